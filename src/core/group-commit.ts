/**
 * Group commit: write commands that arrive together are handed to storage as one batch,
 * so many verso transactions share one database commit and one fsync. Each command
 * keeps its own version, conditions and idempotency record (the backend isolates them),
 * and each caller is answered only after the batch is durable.
 *
 * A backend with many connections (PostgreSQL) may take several batches at once: while
 * one batch waits for a region lock or its commit, the next one can proceed on another
 * connection. Backends order concurrent batches themselves (region locks).
 */

import type { WriteCommand } from "../model/write-command.js";
import type { WriteResult } from "../model/write-outcome.js";
import type { Storage } from "../storage/storage.js";

interface Pending {
  command: WriteCommand;
  resolve: (result: WriteResult) => void;
  reject: (error: unknown) => void;
}

export interface GroupCommitOptions {
  /** Most commands in one storage commit; 1 turns group commit off. */
  maxBatch: number;
  /** Most batches handed to storage at once. Default 1. */
  maxInFlight?: number;
  /** Told each batch's size and how long storage took to commit it (metrics). */
  onBatch?: (size: number, seconds: number) => void;
}

export class GroupCommitter {
  private queue: Pending[] = [];
  private inFlight = 0;
  private scheduled = false;
  private idle: Array<() => void> = [];
  private readonly maxInFlight: number;

  constructor(
    private readonly storage: Storage,
    private readonly options: GroupCommitOptions,
  ) {
    this.maxInFlight = Math.max(1, options.maxInFlight ?? 1);
  }

  submit(command: WriteCommand): Promise<WriteResult> {
    return new Promise((resolve, reject) => {
      this.queue.push({ command, resolve, reject });
      this.schedule();
    });
  }

  /** Resolves when every command submitted so far has been committed or failed. */
  drain(): Promise<void> {
    if (this.inFlight === 0 && this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  private schedule(): void {
    if (this.scheduled || this.inFlight >= this.maxInFlight) return;
    this.scheduled = true;
    // setImmediate runs after the event loop's I/O phase: every request that arrived in
    // the same turn joins this batch.
    setImmediate(() => {
      this.scheduled = false;
      this.start();
    });
  }

  private start(): void {
    while (this.queue.length > 0 && this.inFlight < this.maxInFlight) {
      const batch = this.queue.splice(0, this.options.maxBatch);
      this.inFlight++;
      void this.commit(batch).finally(() => this.finished());
    }
  }

  private finished(): void {
    this.inFlight--;
    if (this.queue.length > 0) {
      // What queued meanwhile forms the next batch at once; without group commit, still
      // let the event loop breathe between commits.
      if (this.options.maxBatch === 1) this.schedule();
      else this.start();
      return;
    }
    if (this.inFlight > 0) return;
    const waiting = this.idle;
    this.idle = [];
    for (const resolve of waiting) resolve();
  }

  private async commit(batch: Pending[]): Promise<void> {
    try {
      const started = performance.now();
      const results = await this.storage.write(batch.map((p) => p.command));
      this.options.onBatch?.(batch.length, (performance.now() - started) / 1000);
      batch.forEach((p, i) => {
        const result = results[i];
        if (result === undefined) p.reject(new Error("storage returned fewer results than commands"));
        else if (result instanceof Error) p.reject(result);
        else p.resolve(result);
      });
    } catch (error) {
      for (const p of batch) p.reject(error);
    }
  }
}
