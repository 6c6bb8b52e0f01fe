/**
 * What /healthz says about storage: the failures of the storage itself (see
 * storage-failure.ts) that requests met since the server started. Damage does not heal
 * while the server runs, so it is reported until restart. A full database heals when
 * space is freed: it is reported until a commit succeeds again (on PostgreSQL, also one
 * made through another node).
 */
import type { Storage } from "../storage/storage.js";
import { type StorageFailure, storageFailure } from "../storage/storage-failure.js";

export interface StorageProblem extends StorageFailure {
  /** ms epoch of the first occurrence since the problem began. */
  since: number;
  /** Occurrences since then. */
  count: number;
}

export class StorageHealth {
  private damaged: StorageProblem | undefined;
  private full: StorageProblem | undefined;
  private readonly unsubscribe: () => void;

  constructor(
    storage: Storage,
    private readonly now: () => number = Date.now,
  ) {
    this.unsubscribe = storage.onCommit(() => {
      this.full = undefined;
    });
  }

  /** Looks at an error a request failed with; keeps it if it is a failure of the storage. */
  record(error: unknown): void {
    const failure = storageFailure(error);
    if (!failure) return;
    const current = failure.kind === "full" ? this.full : this.damaged;
    const problem = current ? { ...current, count: current.count + 1 } : { ...failure, since: this.now(), count: 1 };
    if (failure.kind === "full") this.full = problem;
    else this.damaged = problem;
  }

  /** The problem to report, the worst first; undefined when storage is fine. */
  problem(): StorageProblem | undefined {
    return this.damaged ?? this.full;
  }

  close(): void {
    this.unsubscribe();
  }
}
