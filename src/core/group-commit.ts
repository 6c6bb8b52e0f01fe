/**
 * Group commit: write commands that arrive together are handed to storage as one batch,
 * so many verso transactions share one database commit and one fsync. Each command
 * keeps its own version, conditions and idempotency record (the backend isolates them),
 * and each caller is answered only after the batch is durable.
 */
import type { Storage, WriteCommand, WriteResult } from "../storage/storage.js";

interface Pending {
  command: WriteCommand;
  resolve: (result: WriteResult) => void;
  reject: (error: unknown) => void;
}

export interface GroupCommitOptions {
  /** Most commands in one storage commit; 1 turns group commit off. */
  maxBatch: number;
}

export class GroupCommitter {
  private queue: Pending[] = [];
  private flushing = false;
  private scheduled = false;
  private idle: Array<() => void> = [];

  constructor(
    private readonly storage: Storage,
    private readonly options: GroupCommitOptions,
  ) {}

  submit(command: WriteCommand): Promise<WriteResult> {
    return new Promise((resolve, reject) => {
      this.queue.push({ command, resolve, reject });
      this.schedule();
    });
  }

  /** Resolves when every command submitted so far has been committed or failed. */
  drain(): Promise<void> {
    if (!this.flushing && this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  private schedule(): void {
    if (this.scheduled || this.flushing) return;
    this.scheduled = true;
    // setImmediate runs after the event loop's I/O phase: every request that arrived in
    // the same turn joins this batch.
    setImmediate(() => {
      this.scheduled = false;
      void this.flush();
    });
  }

  private async flush(): Promise<void> {
    this.flushing = true;
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, this.options.maxBatch);
        try {
          const results = await this.storage.write(batch.map((p) => p.command));
          batch.forEach((p, i) => {
            const result = results[i];
            if (result === undefined) p.reject(new Error("storage returned fewer results than commands"));
            else if (result instanceof Error) p.reject(result);
            else p.resolve(result);
          });
        } catch (error) {
          for (const p of batch) p.reject(error);
        }
        if (this.options.maxBatch === 1 && this.queue.length > 0) {
          // Without group commit, still let the event loop breathe between commits.
          await new Promise((r) => setImmediate(r));
        }
      }
    } finally {
      this.flushing = false;
      const waiting = this.idle;
      this.idle = [];
      for (const resolve of waiting) resolve();
    }
  }
}
