/**
 * The main thread's side of the SQLite writer thread. A commit under synchronous=FULL
 * waits for fsync; run on the event loop, that wait stops every request from being
 * parsed or answered. Here the loop only posts a batch and is told its results, so
 * while the thread commits batch N the loop gathers batch N+1 and answers batch N−1.
 *
 * The thread answers in the order it was asked, one batch at a time, so commit
 * notifications fired on its answers come in commit order. `close()` is the only way
 * it ends: every request posted before it is answered, then the thread closes its
 * connection and exits; a thread that dies instead fails every write still waiting.
 */
import { Worker } from "node:worker_threads";
import type { WriteCommand } from "../../model/write-command.js";
import type { WriteResult } from "../../model/write-outcome.js";
import { uncrossError, type WriterReply, type WriterRequest, type WriterSetup } from "./writer-messages.js";

interface Waiting {
  resolve: (reply: WriterReply) => void;
  reject: (error: Error) => void;
}

export class WriterThread {
  /** Settles once the thread has opened its connection (or could not). */
  readonly ready: Promise<void>;
  private readonly worker: Worker;
  private readonly waiting = new Map<number, Waiting>();
  private nextId = 1;
  private ended: Error | undefined;
  private closing: Promise<void> | undefined;
  /** Requests made before the thread listens: a message posted earlier could be lost while its entry module loads. */
  private outbox: WriterRequest[] | undefined = [];

  constructor(setup: WriterSetup) {
    this.worker = startWorker(setup);
    // An idle thread must not keep the process alive; a thread with work does (see ask).
    this.worker.unref();
    this.worker.on("message", (reply: WriterReply) => {
      // Replies arrive in the order they were sent: after "closed", nothing is left to answer.
      if (reply.type === "closed") void this.worker.terminate();
      else this.answer(reply);
    });
    this.worker.on("error", (error) => this.end(error));
    this.worker.once("exit", (code) => this.end(new Error(`the SQLite writer thread stopped (exit code ${code})`)));
    this.ready = new Promise((resolve, reject) => {
      const opened = (reply: WriterReply) => {
        if (reply.type !== "ready" && reply.type !== "openFailed") return;
        this.worker.off("message", opened);
        const held = this.outbox ?? [];
        this.outbox = undefined;
        for (const request of held) this.worker.postMessage(request);
        if (reply.type === "ready") resolve();
        else reject(uncrossError(reply.error));
      };
      this.worker.on("message", opened);
      this.worker.once("exit", () => reject(this.ended ?? new Error("the SQLite writer thread stopped")));
    });
    this.ready.catch(() => {});
  }

  async write(batch: readonly WriteCommand[], now: number): Promise<Array<WriteResult | Error>> {
    const reply = await this.ask((id) => ({ type: "write", id, batch, now }));
    if (reply.type !== "written") throw new Error(`the SQLite writer thread answered ${reply.type} to a write`);
    return reply.results.map((result) => ("failed" in result ? uncrossError(result.failed) : result));
  }

  async sweep(before: number): Promise<number> {
    const reply = await this.ask((id) => ({ type: "sweep", id, before }));
    if (reply.type !== "swept") throw new Error(`the SQLite writer thread answered ${reply.type} to a sweep`);
    return reply.count;
  }

  /** Answers every request already made, then stops the thread; resolves once it has exited. */
  close(): Promise<void> {
    this.closing ??= new Promise<void>((resolve) => {
      if (this.ended) return resolve();
      this.worker.ref();
      this.worker.once("exit", () => resolve());
      this.send({ type: "close" });
    });
    return this.closing;
  }

  private ask(request: (id: number) => WriterRequest): Promise<WriterReply> {
    if (this.closing) return Promise.reject(new Error("the SQLite writer thread is closing"));
    if (this.ended) return Promise.reject(this.ended);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      if (this.waiting.size === 0) this.worker.ref();
      this.waiting.set(id, { resolve, reject });
      this.send(request(id));
    });
  }

  private send(request: WriterRequest): void {
    if (this.outbox) this.outbox.push(request);
    else this.worker.postMessage(request);
  }

  private answer(reply: WriterReply): void {
    if (reply.type !== "written" && reply.type !== "swept" && reply.type !== "failed") return;
    const waiting = this.waiting.get(reply.id);
    if (!waiting) return;
    this.waiting.delete(reply.id);
    if (this.waiting.size === 0 && !this.closing) this.worker.unref();
    if (reply.type === "failed") waiting.reject(uncrossError(reply.error));
    else waiting.resolve(reply);
  }

  private end(error: Error): void {
    this.ended ??= error;
    const waiting = [...this.waiting.values()];
    this.waiting.clear();
    for (const { reject } of waiting) reject(this.ended);
  }
}

function startWorker(setup: WriterSetup): Worker {
  const here = import.meta.url;
  if (!here.endsWith(".ts")) return new Worker(new URL("./writer-worker.js", here), { workerData: setup });
  // Run from source through tsx (tests, benchmarks): on Node 20 a worker does not get
  // tsx's loader hooks from --import, so it registers them before loading its entry.
  const api = JSON.stringify(import.meta.resolve("tsx/esm/api"));
  const entry = JSON.stringify(new URL("./writer-worker.ts", here).href);
  return new Worker(`import(${api}).then(({ register }) => { register(); return import(${entry}); });`, { eval: true, workerData: setup });
}
