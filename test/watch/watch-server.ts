/** A real verso server on an ephemeral port over a temporary SQLite file, for watch tests. */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { VersoStore } from "../../src/core/store.js";
import { openStore } from "../../src/open-store.js";
import type { RunningServer } from "../../src/server/serve.js";
import { startServer } from "../../src/server/serve.js";
import { until } from "../support/until.js";

export { until };

export interface TestServer {
  url: string;
  store: VersoStore;
  server: RunningServer;
  /** Everything the server logged. */
  logs: string[];
  /** Stops the server (if still running) and removes the data. */
  close: () => Promise<void>;
}

export interface TestServerOptions {
  heartbeatMs?: number;
  watchBufferBytes?: number;
  adminToken?: string;
}

export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const dir = await mkdtemp(join(tmpdir(), "verso-watch-"));
  const store = await openStore({ path: join(dir, "verso.db"), synchronous: "normal", maintenanceIntervalMs: 0 });
  const logs: string[] = [];
  const server = await startServer({
    store,
    port: 0,
    log: (line) => logs.push(line),
    heartbeatMs: options.heartbeatMs ?? 60_000,
    ...(options.watchBufferBytes !== undefined && { watchBufferBytes: options.watchBufferBytes }),
    ...(options.adminToken !== undefined && { adminToken: options.adminToken }),
  });
  return {
    url: server.url,
    store,
    server,
    logs,
    close: async () => {
      await server.stop();
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export function regionUrl(base: string, region: string, path: string, query: Record<string, string | number> = {}): string {
  const search = new URLSearchParams(Object.entries(query).map(([k, v]): [string, string] => [k, String(v)])).toString();
  return `${base}/v1/regions/${encodeURIComponent(region)}/${path}${search ? `?${search}` : ""}`;
}

export function watchUrl(base: string, region: string, query: Record<string, string | number> = {}): string {
  return regionUrl(base, region, "watch", query);
}

/** Polls a condition until it holds, for states nothing announces; fails after the deadline. */
