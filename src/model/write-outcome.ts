/** What applying a WriteCommand led to, before it is turned into a result or a contract error. */

export interface CurrentRaw {
  version: number;
  valueJson: string;
}

export interface RawFailure {
  index: number;
  collection: string;
  key: string;
  /** "mismatch": a stated expectation failed; "missing": a delete without expectation found nothing. */
  reason: "mismatch" | "missing";
  current: CurrentRaw | null;
}

export type WriteOutcome =
  | { status: "committed"; region: string; version: number }
  | { status: "compacted"; region: string; floor: number; purged: number }
  | { status: "failed"; failures: RawFailure[] }
  | { status: "idempotency_key_reused" };

/** An outcome with whether it was replayed from an earlier request with the same Idempotency-Key. */
export interface WriteResult {
  outcome: WriteOutcome;
  replayed: boolean;
}
