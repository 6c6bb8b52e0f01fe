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

/** What became of one mutation of a push. */
export interface MutationOutcome {
  clientID: string;
  id: number;
  /** skipped: processed by an earlier push; rejected: recorded as processed without changing a row. */
  result: "applied" | "skipped" | "rejected";
  /** The region version the mutation took (applied and rejected ones). */
  version?: number;
  reason?: string;
}

/** Why a push stopped before its end; the mutations before it stay applied. */
export interface PushStop {
  clientID: string;
  id: number;
  /** future: an id past last + 1; unknown_client: no state for a client past its first mutation; other_group: the client belongs to another group. */
  reason: "future" | "unknown_client" | "other_group";
  lastMutationID: number;
}

export type WriteOutcome =
  | { status: "committed"; region: string; version: number }
  | { status: "compacted"; region: string; floor: number; purged: number }
  | { status: "failed"; failures: RawFailure[] }
  /** `head`: the last version the push took, 0 when it took none. */
  | { status: "pushed"; region: string; head: number; mutations: MutationOutcome[]; stopped?: PushStop }
  | { status: "idempotency_key_reused" };

/** An outcome with whether it was replayed from an earlier request with the same Idempotency-Key. */
export interface WriteResult {
  outcome: WriteOutcome;
  replayed: boolean;
}
