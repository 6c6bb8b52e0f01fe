/**
 * `verso agent --listen`: reads of the replica over HTTP, served by a worker thread
 * (read-worker.ts) so that readers never hold up the feed loop's event loop. Without a
 * token it listens on loopback hosts only.
 */
import { Worker } from "node:worker_threads";
import { isLoopback } from "../model/loopback.js";
import type { ListenAddress } from "./listen-address.js";
import type { FromReadWorker, ReadWorkerData, ToReadWorker } from "./read-worker.js";
import type { Replica } from "./replica.js";

export interface ReadListenerOptions {
  replica: Pick<Replica, "path" | "region" | "cursor" | "observeReads">;
  address: ListenAddress;
  /** Bearer token readers must send; required to listen beyond loopback. */
  token?: string;
  /** The server, named in the answer to a write. */
  server: string;
  /** Idle time after which a watch on the listener sends a `progress` event (default 15 s). */
  heartbeatMs?: number;
  /**
   * Niceness of the listener's thread (Linux only, 0 to 19; default 10): when readers and
   * the feed loop want the same cores, the loop gets them first, so readers slow down
   * before replication does. 0 leaves it at the process's priority.
   */
  nice?: number;
  /** Where an error of the listener's thread is reported; default stderr. */
  log?: (line: string) => void;
}

export interface ReadListener {
  /** `host:port` (the port actually bound) or `unix:/path`. */
  address: string;
  /** Stops listening, ends waiting reads and closes connections. */
  stop(): Promise<void>;
}

export class UnauthenticatedListenError extends Error {
  constructor(host: string) {
    super(
      `refusing to listen on ${host} without --listen-token: anyone who can reach it could read the replica. Set a token or listen on 127.0.0.1`,
    );
    this.name = "UnauthenticatedListenError";
  }
}

export async function startReadListener(options: ReadListenerOptions): Promise<ReadListener> {
  const { address, token, replica } = options;
  if (address.kind === "tcp" && token === undefined && !isLoopback(address.host)) throw new UnauthenticatedListenError(address.host);
  const workerData: ReadWorkerData = {
    path: replica.path,
    region: replica.region,
    applied: replica.cursor ?? 0,
    server: options.server,
    address,
    ...(token !== undefined && { token }),
    ...(options.heartbeatMs !== undefined && { heartbeatMs: options.heartbeatMs }),
    nice: listenerNice(options.nice),
  };
  const worker = startWorker(workerData);
  const exited = new Promise<void>((resolve) => worker.once("exit", () => resolve()));
  const first = await new Promise<FromReadWorker>((resolve, reject) => {
    worker.once("message", resolve);
    worker.once("error", reject);
    void exited.then(() => reject(new Error("the read listener's thread ended before listening")));
  });
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  worker.on("error", (error) => log(`verso agent: read listener: ${error.stack ?? error.message}`));
  if (first.type !== "listening") {
    await worker.terminate();
    throw new Error(first.type === "failed" ? first.message : "the read listener did not start");
  }
  const post = (message: ToReadWorker) => worker.postMessage(message);
  const unobserve = replica.observeReads((update) => post({ type: "update", update }));
  return {
    address: first.address,
    stop: async () => {
      unobserve();
      post({ type: "stop" });
      await exited;
    },
  };
}

/** The listener thread's niceness by default: a tenth of the CPU weight of the feed loop's thread when both want a core. */
export const DEFAULT_LISTEN_NICE = 10;

function listenerNice(nice: number | undefined): number {
  const value = nice ?? DEFAULT_LISTEN_NICE;
  if (!Number.isInteger(value) || value < 0 || value > 19) throw new RangeError(`nice must be an integer from 0 to 19, got ${value}`);
  return value;
}

/**
 * From the built package the worker is read-worker.js. Run from sources (tests, benches
 * under tsx), the worker registers tsx first: Node 20 does not pass `--import` hooks on
 * to worker threads.
 */
function startWorker(workerData: ReadWorkerData): Worker {
  const fromSources = import.meta.url.endsWith(".ts");
  const entry = new URL(fromSources ? "./read-worker.ts" : "./read-worker.js", import.meta.url);
  if (!fromSources) return new Worker(entry, { workerData });
  const boot = `import("tsx/esm/api").then((tsx) => { tsx.register(); return import(${JSON.stringify(entry.href)}); });`;
  return new Worker(boot, { eval: true, workerData });
}
