/**
 * The read listener's thread: its own event loop, so HTTP parsing and answering never
 * queue ahead of the feed loop's pages in the agent's main thread, and its own read-only
 * connection to the replica file. The main thread tells it each applied version (which
 * wakes the `minVersion` waiters) and the link's state.
 */
import { setPriority } from "node:os";
import { parentPort, workerData } from "node:worker_threads";
import type { ListenAddress } from "./listen-address.js";
import type { ReplicaReads } from "./read-routes.js";
import { serveReads } from "./read-server.js";
import type { ReadUpdate } from "./replica.js";
import { ReplicaReader } from "./replica-reader.js";
import { VersionBarrier } from "./version-barrier.js";

export interface ReadWorkerData {
  path: string;
  region: string;
  /** The applied version when the thread starts, so that it answers before the first update arrives. */
  applied: number;
  server: string;
  address: ListenAddress;
  token?: string;
  heartbeatMs?: number;
  /** Niceness of this thread (see ReadListenerOptions.nice). */
  nice: number;
}

export type ToReadWorker = { type: "update"; update: ReadUpdate } | { type: "stop" };
export type FromReadWorker = { type: "listening"; address: string } | { type: "failed"; message: string } | { type: "stopped" };

const port = parentPort;
if (!port) throw new Error("read-worker.ts runs as a worker thread");
const data = workerData as ReadWorkerData;
// On Linux a nice value belongs to a thread, and pid 0 is the calling one: this lowers the
// listener's thread only, never the feed loop's. Elsewhere it would lower the whole process.
if (data.nice > 0 && process.platform === "linux") setPriority(0, data.nice);
let latest: ReadUpdate = { applied: data.applied, connected: false, lastContact: null };
const reader = new ReplicaReader(data.path);
const barrier = new VersionBarrier(data.region, () => latest.applied);
const reads: ReplicaReads = {
  region: data.region,
  pass: (options) => barrier.pass(options),
  position: () => reader.position(),
  row: (collection, key) => reader.row(collection, key),
  rows: (collection, after, limit) => reader.rows(collection, after, limit),
  page: (query) => reader.page(query),
  wait: (version, timeoutMs, signal) => barrier.wait(version, timeoutMs, signal),
  link: () => ({ connected: latest.connected, sinceContactMs: latest.lastContact === null ? null : Date.now() - latest.lastContact }),
};
const send = (message: FromReadWorker) => port.postMessage(message);

try {
  const server = await serveReads({
    reads,
    address: data.address,
    server: data.server,
    ...(data.token !== undefined && { token: data.token }),
    ...(data.heartbeatMs !== undefined && { heartbeatMs: data.heartbeatMs }),
  });
  port.on("message", (message: ToReadWorker) => {
    if (message.type === "update") {
      latest = message.update;
      barrier.publish();
      return;
    }
    void server.stop().then(() => {
      barrier.close();
      reader.close();
      send({ type: "stopped" });
      port.close();
    });
  });
  send({ type: "listening", address: server.address });
} catch (error) {
  reader.close();
  send({ type: "failed", message: (error as Error).message });
  port.close();
}
