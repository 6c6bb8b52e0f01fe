/**
 * What the conformance suite needs from a backend, and the per-test harness around it.
 * Nothing here knows which engine is underneath: a backend only supplies a factory.
 */
import assert from "node:assert/strict";
import { VersoStore } from "../../src/core/store.js";
import type { ChangesQuery, RawPage } from "../../src/model/raw-page.js";
import type { WriteCommand } from "../../src/model/write-command.js";
import type { WriteOutcome, WriteResult } from "../../src/model/write-outcome.js";
import type { Storage } from "../../src/storage/storage.js";
import type { ReadPage } from "../support/replica.js";

export interface ConformanceBackend {
  storage: Storage;
  /** Removes what the backend created (files, schemas); runs after the suite closed every storage it got. */
  cleanup: () => Promise<void>;
  /** Backends that persist: a new Storage over the same data. The suite closes the previous one first. */
  reopen?: () => Promise<Storage>;
}

export type OpenBackend = () => Promise<ConformanceBackend>;

/** One test's backend: the current storage, and reopening it for persistence checks. */
export class Harness {
  private current: Storage;
  private store: VersoStore | undefined;
  private closed = false;

  constructor(private readonly backend: ConformanceBackend) {
    this.current = backend.storage;
  }

  get storage(): Storage {
    return this.current;
  }

  get persistent(): boolean {
    return this.backend.reopen !== undefined;
  }

  /** The VersoStore over the current storage (group commit on, no background timer); `wrap` may observe it. */
  verso(wrap: (storage: Storage) => Storage = (s) => s): VersoStore {
    this.store ??= new VersoStore(wrap(this.current), { maintenanceIntervalMs: 0 });
    return this.store;
  }

  async reopen(): Promise<Storage> {
    if (!this.backend.reopen) throw new Error("backend is not persistent");
    await this.close();
    this.current = await this.backend.reopen();
    this.closed = false;
    return this.current;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const store = this.store;
    this.store = undefined;
    if (store) await store.close();
    else await this.current.close();
  }
}

/** Runs `fn` on a fresh backend and always releases it. */
export async function withHarness(open: OpenBackend, fn: (h: Harness) => Promise<void>): Promise<void> {
  const backend = await open();
  const harness = new Harness(backend);
  try {
    await fn(harness);
  } finally {
    try {
      await harness.close();
    } finally {
      await backend.cleanup();
    }
  }
}

/** Writes one command as its own batch; an unexpected Error fails the test. */
export async function write1(storage: Storage, command: WriteCommand): Promise<WriteResult> {
  const [result, ...rest] = await storage.write([command]);
  assert.equal(rest.length, 0, "one result per command");
  if (result instanceof Error) throw result;
  assert.ok(result, "a result for the command");
  return result;
}

export async function commit(storage: Storage, command: WriteCommand): Promise<number> {
  return committedVersion((await write1(storage, command)).outcome);
}

export function committedVersion(outcome: WriteOutcome): number {
  assert.equal(outcome.status, "committed", `expected a commit, got ${JSON.stringify(outcome)}`);
  return (outcome as { version: number }).version;
}

export function pageReader(storage: Storage, region: string): ReadPage {
  return (since, epoch, limit) => {
    const query: ChangesQuery = {
      region,
      limit,
      ...(since !== undefined && { since }),
      ...(epoch !== undefined && { epoch }),
    };
    return storage.changes(query);
  };
}

export function changes(storage: Storage, region: string, since: number | undefined, limit = 1000, epoch?: string): Promise<RawPage> {
  return pageReader(storage, region)(since, epoch, limit);
}

/** The ops of a page without values, as `op collection/key@version`, easy to compare. */
export function opsOf(page: RawPage): string[] {
  return page.ops.map((op) => (op.op === "clear" ? "clear" : `${op.op} ${op.collection}/${op.key}@${op.version}`));
}

/**
 * Resolves when a listener sees the region reach `head`; rejects after `ms`. Commit
 * notifications may arrive after `write` resolves (e.g. via a database channel).
 */
export function headReached(storage: Storage, region: string, head: number, ms = 5_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      stop();
      reject(new Error(`no commit notification for ${region} at ${head} within ${ms} ms`));
    }, ms);
    const stop = storage.onCommit((r, h) => {
      if (r !== region || h < head) return;
      clearTimeout(timer);
      stop();
      resolve();
    });
  });
}
