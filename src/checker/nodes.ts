/**
 * Several verso API nodes in one process, each with its own store, connection pool and
 * HTTP server, sharing one database: the deployment the ordering checker and the
 * multi-node tests exercise. On PostgreSQL, nodes hear each other's commits; on SQLite
 * (one file, several connections) they do not, and their waiters rely on timeouts.
 */

import { openStore, type StoreOptions, type VersoStore } from "../index.js";
import { type RunningServer, type ServeOptions, startServer } from "../server/index.js";

export type Backend = { kind: "sqlite"; path: string } | { kind: "postgres"; url: string; schema: string; poolSize?: number };

export interface ApiNode {
  store: VersoStore;
  server: RunningServer;
  url: string;
}

/** What every node's server shares besides the store: authentication settings. */
export type NodeServerOptions = Pick<ServeOptions, "adminToken" | "tokenCacheMs">;

export async function startNodes(
  backend: Backend,
  count: number,
  options: StoreOptions = {},
  serverOptions: NodeServerOptions = {},
): Promise<ApiNode[]> {
  const nodes: ApiNode[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const store = await openStore({
        ...options,
        maintenanceIntervalMs: 0,
        ...(backend.kind === "sqlite"
          ? { path: backend.path }
          : { postgres: { connectionString: backend.url, schema: backend.schema, poolSize: backend.poolSize ?? 6 } }),
      });
      const server = await startServer({ ...serverOptions, store, host: "127.0.0.1", port: 0, log: options.log ?? (() => {}) }).catch(
        async (error: unknown) => {
          await store.close();
          throw error;
        },
      );
      nodes.push({ store, server, url: server.url });
    }
    return nodes;
  } catch (error) {
    await stopNodes(nodes);
    throw error;
  }
}

/** Stops each node's server, then closes the store it opened for it. */
export async function stopNodes(nodes: readonly ApiNode[]): Promise<void> {
  await Promise.all(
    nodes.map(async (node) => {
      await node.server.stop();
      await node.store.close();
    }),
  );
}

export function describeBackend(backend: Backend): string {
  return backend.kind === "sqlite" ? `sqlite ${backend.path}` : `postgres schema ${backend.schema}`;
}
