/** Shared fixtures of the agent tests: servers on port 0, temp dirs, and the server's live rows. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { VersoStore } from "../../src/core/store.js";
import { openStore } from "../../src/open-store.js";
import type { Json } from "../../src/protocol/types.js";
import { type RunningServer, startServer } from "../../src/server/serve.js";

export interface TestServer {
  store: VersoStore;
  server: RunningServer;
  url: string;
  stop: () => Promise<void>;
}

export async function startTestServer(dbPath: string, port = 0): Promise<TestServer> {
  const store = await openStore({ path: dbPath, maintenanceIntervalMs: 0, synchronous: "normal" });
  const server = await startServer({ store, port, log: () => {} });
  const stop = async () => {
    await server.stop();
    await store.close();
  };
  return { store, server, url: server.url, stop };
}

export function tempDir(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), "verso-agent-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** The region's live rows as "collection/key" → {version, value}, read with the list API. */
export async function liveRows(store: VersoStore, region: string, collections: readonly string[]): Promise<Map<string, Snapshot>> {
  const rows = new Map<string, Snapshot>();
  for (const collection of collections) {
    let after: string | undefined;
    for (;;) {
      const list = await store.list(region, collection, { limit: 10_000, ...(after !== undefined && { after }) });
      for (const row of list.rows) rows.set(`${collection}/${row.key}`, { version: row.version, value: row.value });
      if (list.next === null) break;
      after = list.next;
    }
  }
  return rows;
}

export interface Snapshot {
  version: number;
  value: Json;
}

export function replicaRows(rows: Array<{ collection: string; key: string; version: number; value: Json }>): Map<string, Snapshot> {
  return new Map(rows.map((r) => [`${r.collection}/${r.key}`, { version: r.version, value: r.value }]));
}

/** A small deterministic generator, so a failing run can be replayed from its seed. */
export function random(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 2 ** 32;
  };
}
