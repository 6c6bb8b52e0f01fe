/**
 * The real Replicache 15 client against verso, written once and run on every backend:
 * convergence, confirmation by pull, pokes, a reset after compaction, and a server
 * killed with SIGKILL during pushes.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { OpenStoreOptions } from "../../src/open-store.js";
import { freePort, startServeProcess } from "../agent/server-process.js";
import { contents, pokes, replicacheClient, type Served, serve, settle } from "./helpers.js";

export interface ReplicacheBackend {
  /** A fresh, empty store's options, and how to remove it after. */
  fresh: () => Promise<{ store: OpenStoreOptions; serveArgs: string[]; cleanup: () => Promise<void> }>;
}

async function withServer(backend: ReplicacheBackend, fn: (served: Served) => Promise<void>): Promise<void> {
  const { store, cleanup } = await backend.fresh();
  const served = await serve(store);
  try {
    await fn(served);
  } finally {
    await served.close();
    await cleanup();
  }
}

/** Resolves once `check` holds for the client's contents (checked on every change it sees); rejects after `ms`. */
function reaches(
  rep: ReturnType<typeof replicacheClient>["rep"],
  check: (entries: Array<[string, unknown]>) => boolean,
  ms = 10_000,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      stop();
      reject(new Error(`client ${rep.name} did not see the change within ${ms} ms`));
    }, ms);
    const stop = rep.subscribe((tx) => tx.scan().entries().toArray(), {
      onData: (entries) => {
        if (check(entries as Array<[string, unknown]>)) {
          clearTimeout(timer);
          stop();
          resolve();
        }
      },
    });
  });
}

export function describeReplicache(name: string, backend: ReplicacheBackend, options: { skip?: string | false } = {}): void {
  describe(`Replicache 15 against verso: ${name}`, { skip: options.skip ?? false }, () => {
    it("two clients with different names converge after interleaved mutations", () =>
      withServer(backend, async ({ url, store }) => {
        const a = replicacheClient(url, "space", "alice");
        const b = replicacheClient(url, "space", "bob");
        try {
          await a.rep.mutate.put({ key: "todos/1", value: { title: "one" } });
          await b.rep.mutate.put({ key: "todos/2", value: { title: "two" } });
          await a.rep.mutate.put({ key: "todos/2", value: { title: "two, by alice" } });
          await settle(a.rep);
          await b.rep.mutate.del({ key: "todos/1" });
          await b.rep.mutate.txn({
            ops: [
              { op: "put", collection: "todos", key: "3", value: { title: "three" } },
              { op: "put", collection: "notes", key: "a/b", value: "nested key" },
            ],
          });
          await settle(b.rep);
          await settle(a.rep);
          const expected = [
            ["notes/a/b", "nested key"],
            ["todos/2", { title: "two, by alice" }],
            ["todos/3", { title: "three" }],
          ];
          assert.deepEqual(await contents(a.rep), expected);
          assert.deepEqual(await contents(b.rep), expected);
          const server = [...(await store.list("space", "todos")).rows.map((r) => [`todos/${r.key}`, r.value])];
          assert.deepEqual(server, expected.slice(1), "the server holds what the clients hold");
          assert.deepEqual([...a.observed.violations, ...b.observed.violations], []);
        } finally {
          await a.rep.close();
          await b.rep.close();
        }
      }));

    it("a mutation is confirmed by a pull that returns its lastMutationID", () =>
      withServer(backend, async ({ url, store }) => {
        const a = replicacheClient(url, "space", "alice");
        try {
          await a.rep.mutate.put({ key: "todos/1", value: 1 });
          await a.rep.push({ now: true });
          assert.equal((await a.rep.experimentalPendingMutations()).length, 1, "a push alone confirms nothing");
          assert.equal((await store.get("space", "todos", "1")).value, 1, "but the server applied it");
          await a.rep.pull({ now: true });
          assert.equal((await a.rep.experimentalPendingMutations()).length, 0);
          const last = a.observed.pulls.at(-1);
          assert.equal(last?.lastMutationIDChanges[a.rep.clientID], 1);
          await a.rep.pull({ now: true });
          assert.deepEqual(a.observed.pulls.at(-1)?.lastMutationIDChanges, {}, "an unchanged client is not sent again");
          assert.deepEqual(a.observed.pulls.at(-1)?.patch, []);
        } finally {
          await a.rep.close();
        }
      }));

    it("a write through verso's own API reaches both clients through the poke stream", () =>
      withServer(backend, async ({ url }) => {
        const a = replicacheClient(url, "space", "alice");
        const b = replicacheClient(url, "space", "bob");
        const stops: Array<() => void> = [];
        try {
          await settle(a.rep);
          await settle(b.rep);
          for (const client of [a, b]) stops.push(await pokes(url, "space", () => void client.rep.pull({ now: true }).catch(() => {})));
          const has = (entries: Array<[string, unknown]>) =>
            entries.some(([key, value]) => key === "todos/api" && value === "from the API");
          const seen = Promise.all([reaches(a.rep, has), reaches(b.rep, has)]);
          const put = await fetch(`${url}/v1/regions/space/collections/todos/rows/api`, {
            method: "PUT",
            body: JSON.stringify("from the API"),
          });
          assert.equal(put.status, 200);
          await seen;
          assert.deepEqual(await contents(a.rep), [["todos/api", "from the API"]]);
          assert.deepEqual(await contents(b.rep), [["todos/api", "from the API"]]);
        } finally {
          for (const stop of stops) stop();
          await a.rep.close();
          await b.rep.close();
        }
      }));

    it("compaction while a client is offline ends in a reset, and the clients converge", () =>
      withServer(backend, async ({ url, store }) => {
        const a = replicacheClient(url, "space", "alice");
        const b = replicacheClient(url, "space", "bob");
        try {
          for (let i = 1; i <= 5; i++) await a.rep.mutate.put({ key: `todos/${i}`, value: i });
          await settle(a.rep);
          await settle(b.rep);
          assert.equal((await contents(b.rep)).length, 5);
          const resetsBefore = b.observed.resets;
          // bob is offline: alice deletes, and the tombstones are purged past bob's cookie.
          for (let i = 1; i <= 3; i++) await a.rep.mutate.del({ key: `todos/${i}` });
          await a.rep.mutate.put({ key: "todos/6", value: 6 });
          await settle(a.rep);
          const compacted = await store.compact("space", { retainVersions: 0 });
          assert.ok(compacted.purged >= 3, "the deletes' tombstones are gone");
          await settle(b.rep);
          assert.equal(b.observed.resets, resetsBefore + 1, "bob's pull was answered with clear + put");
          const expected = [
            ["todos/4", 4],
            ["todos/5", 5],
            ["todos/6", 6],
          ];
          assert.deepEqual(await contents(a.rep), expected);
          assert.deepEqual(await contents(b.rep), expected);
          assert.deepEqual([...a.observed.violations, ...b.observed.violations], []);
        } finally {
          await a.rep.close();
          await b.rep.close();
        }
      }));

    it("a server killed with SIGKILL during pushes and restarted applies every mutation exactly once", async () => {
      const { serveArgs, cleanup } = await backend.fresh();
      const port = await freePort();
      let server = await startServeProcess(serveArgs, port);
      // Observes Replicache's push requests, and kills the server while the third is in flight.
      const realFetch = globalThis.fetch;
      let pushRequests = 0;
      let failedPushes = 0;
      let restarted: Promise<void> | undefined;
      globalThis.fetch = async (input, init) => {
        const url = input instanceof Request ? input.url : String(input);
        if (!url.endsWith("/replicache/push")) return realFetch(input, init);
        const response = realFetch(input, init);
        if (++pushRequests === 3) {
          restarted = server.kill("SIGKILL").then(async () => {
            server = await startServeProcess(serveArgs, port);
          });
        }
        try {
          return await response;
        } catch (error) {
          failedPushes++;
          throw error;
        }
      };
      const a = replicacheClient(server.url, "space", "alice");
      try {
        const total = 80;
        for (let i = 1; i <= total; i++) {
          await a.rep.mutate.put({ key: `k/${String(i).padStart(3, "0")}`, value: i });
          if (i % 10 === 0) await a.rep.push({ now: true }).catch(() => {});
        }
        assert.ok(restarted, "the server was killed during a push");
        await restarted;
        await settle(a.rep, 60_000);
        assert.ok(failedPushes >= 1, "a push was cut by the kill");
        const region = (await (await realFetch(`${server.url}/v1/regions/space`)).json()) as { version: number };
        assert.equal(region.version, total, "each mutation took exactly one version: none was applied twice");
        const entries = await contents(a.rep);
        assert.deepEqual(
          entries.map(([, value]) => value),
          Array.from({ length: total }, (_, i) => i + 1),
        );
        const confirmed = a.observed.pulls.map((p) => p.lastMutationIDChanges[a.rep.clientID]).filter((id) => id !== undefined);
        assert.equal(confirmed.at(-1), total);
        assert.deepEqual(a.observed.violations, [], "no cookie or lastMutationID went back");
        const feed = (await (await realFetch(`${server.url}/v1/regions/space/changes?since=0`)).json()) as {
          ops: Array<{ version: number }>;
        };
        assert.deepEqual(
          feed.ops.map((op) => op.version),
          Array.from({ length: total }, (_, i) => i + 1),
          "one row per mutation, each at its own version",
        );
      } finally {
        globalThis.fetch = realFetch;
        await a.rep.close();
        await server.kill("SIGKILL");
        await cleanup();
      }
    });
  });
}
