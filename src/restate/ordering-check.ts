/**
 * Checks invariant 2 (no missed change) for a write path: writers run
 * concurrently while an agent polls `version > cursor ORDER BY version` and moves
 * its cursor to the last version it got. Afterwards every version in the table
 * must have been seen; one that was not committed below a cursor the agent had
 * already passed, and the agent will never ask for it again.
 */
import { setTimeout as delay } from "node:timers/promises";

/** Versions of the rows with version > cursor, ascending: the agent's query. */
export type PollVersions = (cursor: number) => Promise<number[]> | number[];

interface Waiter {
  version: number;
  resolve: (passed: boolean) => void;
}

/** The polling agent. Writers can wait on it to create the worst interleaving. */
export class FeedReader {
  cursor = 0;
  polls = 0;
  readonly seen = new Set<number>();
  /** Polls whose answer was not ascending or not above the cursor: a broken query. */
  readonly disorder: string[] = [];
  private waiters: Waiter[] = [];

  constructor(readonly poll: PollVersions) {}

  async pollOnce(): Promise<void> {
    const from = this.cursor;
    const versions = await this.poll(from);
    this.polls++;
    let last = from;
    for (const version of versions) {
      if (version <= last) this.disorder.push(`poll since ${from} returned ${version} after ${last}`);
      this.seen.add(version);
      last = Math.max(last, version);
    }
    this.cursor = last;
    this.waiters = this.waiters.filter((w) => {
      if (this.cursor <= w.version) return true;
      w.resolve(true);
      return false;
    });
  }

  /** Resolves true once the cursor is above `version`, false if that has not happened within `timeoutMs`. */
  cursorPast(version: number, timeoutMs: number): Promise<boolean> {
    if (this.cursor > version) return Promise.resolve(true);
    return new Promise((resolve) => {
      const waiter: Waiter = {
        version,
        resolve: (passed) => {
          clearTimeout(timer);
          resolve(passed);
        },
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        resolve(false);
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }
}

export interface OrderingCheckOptions {
  reader: FeedReader;
  writers: number;
  writesPerWriter: number;
  /** One write by `writer`; resolves once its row is committed. */
  write: (writer: number, index: number) => Promise<void>;
  /** Pause between polls; the agent polls for the whole run. Default 2 ms. */
  pollIntervalMs?: number;
}

export interface OrderingReport {
  writes: number;
  polls: number;
  /** The agent's cursor after the writers finished and it polled once more. */
  cursor: number;
  /** Versions in the table the agent never saw although its cursor is past them. */
  missed: number[];
  disorder: string[];
  ok: boolean;
}

export async function checkOrdering(options: OrderingCheckOptions): Promise<OrderingReport> {
  const { reader } = options;
  let writing = true;
  const polling = (async () => {
    while (writing) {
      await reader.pollOnce();
      await delay(options.pollIntervalMs ?? 2);
    }
  })();
  try {
    await Promise.all(
      Array.from({ length: options.writers }, async (_, writer) => {
        for (let index = 0; index < options.writesPerWriter; index++) await options.write(writer, index);
      }),
    );
  } finally {
    writing = false;
    await polling;
  }
  await reader.pollOnce();
  // Every version in the table, as an agent starting from 0 would get it.
  const all = await reader.poll(0);
  const missed = all.filter((v) => !reader.seen.has(v));
  return {
    writes: options.writers * options.writesPerWriter,
    polls: reader.polls,
    cursor: reader.cursor,
    missed,
    disorder: reader.disorder,
    ok: missed.length === 0 && reader.disorder.length === 0,
  };
}
