/**
 * The real Replicache 15 client against verso, for the Replicache tests. Replicache runs
 * in Node 20 as it is (fetch, crypto, BroadcastChannel are globals) with `kvStore: "mem"`:
 * no polyfill is needed.
 */
import assert from "node:assert/strict";
import {
  getDefaultPuller,
  type PullResponseOKV1,
  type PullResponseV1,
  type ReadonlyJSONValue,
  Replicache,
  type WriteTransaction,
} from "replicache";
import type { VersoStore } from "../../src/core/store.js";
import { type OpenStoreOptions, openStore } from "../../src/open-store.js";
import { buildApp } from "../../src/server/app.js";

/** The client's side of verso's built-in mutators: what the server does with the same arguments. */
export const mutators = {
  put: async (tx: WriteTransaction, args: { key: string; value: ReadonlyJSONValue }) => {
    await tx.set(args.key, args.value);
  },
  del: async (tx: WriteTransaction, args: { key: string }) => {
    await tx.del(args.key);
  },
  txn: async (
    tx: WriteTransaction,
    args: { ops: Array<{ op: "put" | "delete"; collection: string; key: string; value?: ReadonlyJSONValue }> },
  ) => {
    for (const op of args.ops) {
      if (op.op === "put") await tx.set(`${op.collection}/${op.key}`, op.value ?? null);
      else await tx.del(`${op.collection}/${op.key}`);
    }
  },
};

export type Rep = Replicache<typeof mutators>;

/** What a client was answered, checked as it arrives: cookies and its own last mutation id never go back. */
export interface Observed {
  pulls: PullResponseOKV1[];
  resets: number;
  violations: string[];
}

export interface ClientOptions {
  auth?: string;
}

export function replicacheClient(
  base: string,
  region: string,
  name: string,
  options: ClientOptions = {},
): { rep: Rep; observed: Observed } {
  const url = `${base}/v1/regions/${encodeURIComponent(region)}/replicache`;
  const rep = new Replicache({
    name,
    kvStore: "mem",
    pullURL: `${url}/pull`,
    pushURL: `${url}/push`,
    // Pulls happen when the test (or a poke) asks for them.
    pullInterval: null,
    pushDelay: 0,
    logLevel: "error",
    logSinks: [{ log: () => {} }],
    mutators,
    ...(options.auth !== undefined && { auth: options.auth }),
  });
  const observed: Observed = { pulls: [], resets: 0, violations: [] };
  const puller = getDefaultPuller(rep);
  let lastOrder = Number.NEGATIVE_INFINITY;
  let lastMutationID = 0;
  rep.puller = async (request, requestID) => {
    const result = await puller(request, requestID);
    const response = result.response as PullResponseV1 | undefined;
    if (response && "cookie" in response) {
      observed.pulls.push(response);
      const order = (response.cookie as { order: number }).order;
      if (order < lastOrder) observed.violations.push(`cookie went back from ${lastOrder} to ${order}`);
      lastOrder = order;
      const mine = response.lastMutationIDChanges[rep.clientID];
      if (mine !== undefined && mine < lastMutationID)
        observed.violations.push(`lastMutationID went back from ${lastMutationID} to ${mine}`);
      if (mine !== undefined) lastMutationID = mine;
      if (response.patch[0]?.op === "clear") observed.resets++;
    }
    return result;
  };
  return { rep, observed };
}

/** Pushes and pulls until the client has nothing pending: every mutation confirmed by a pull. */
export async function settle(rep: Rep, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    await rep.push({ now: true }).catch(() => {});
    await rep.pull({ now: true }).catch(() => {});
    if ((await rep.experimentalPendingMutations()).length === 0) return;
    if (Date.now() > deadline) throw new Error(`client ${rep.name} still has pending mutations`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export async function contents(rep: Rep): Promise<Array<[string, unknown]>> {
  return (await rep.query((tx) => tx.scan().entries().toArray())) as Array<[string, unknown]>;
}

/** Reads a poke stream and calls `onPoke` for each event; returns the stop. */
export async function pokes(base: string, region: string, onPoke: (version: number) => void, auth?: string): Promise<() => void> {
  const controller = new AbortController();
  const response = await fetch(`${base}/v1/regions/${encodeURIComponent(region)}/replicache/poke`, {
    signal: controller.signal,
    ...(auth !== undefined && { headers: { authorization: auth } }),
  });
  assert.equal(response.status, 200);
  assert.ok(response.body);
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  void (async () => {
    let buffer = "";
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        buffer += value;
        let end = buffer.indexOf("\n\n");
        while (end >= 0) {
          const event = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = /^data: (.*)$/m.exec(event)?.[1];
          if (event.startsWith("event: poke") && data) onPoke((JSON.parse(data) as { version: number }).version);
          end = buffer.indexOf("\n\n");
        }
      }
    } catch {
      // aborted
    }
  })();
  return () => controller.abort();
}

export interface Served {
  url: string;
  store: VersoStore;
  logs: string[];
  close: () => Promise<void>;
}

/** verso's server in this process, listening on a free port. */
export async function serve(store: OpenStoreOptions, adminToken?: string): Promise<Served> {
  const opened = await openStore({ maintenanceIntervalMs: 0, ...store });
  const logs: string[] = [];
  const app = buildApp({ store: opened, log: (line) => logs.push(line), ...(adminToken !== undefined && { adminToken }) });
  await app.listen({ port: 0, host: "127.0.0.1" });
  const address = app.server.address();
  assert.ok(address && typeof address === "object");
  return {
    url: `http://127.0.0.1:${address.port}`,
    store: opened,
    logs,
    close: async () => {
      await app.close();
      await opened.close();
    },
  };
}
