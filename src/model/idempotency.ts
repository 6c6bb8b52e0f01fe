import type { WriteOutcome, WriteResult } from "./write-outcome.js";

/** An Idempotency-Key's record as a backend stored it with the first request's write. */
export interface IdempotencyRecord {
  fingerprint: string;
  outcome: WriteOutcome;
}

/**
 * The replay rule, the same on every backend: a key seen with the same request replays
 * the first outcome; seen with another request it is refused (422), and nothing runs.
 */
export function replayOf(record: IdempotencyRecord, fingerprint: string): WriteResult {
  return record.fingerprint === fingerprint
    ? { outcome: record.outcome, replayed: true }
    : { outcome: { status: "idempotency_key_reused" }, replayed: false };
}
