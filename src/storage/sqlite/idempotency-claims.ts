/**
 * Idempotency-Keys on SQLite. The batch's IMMEDIATE transaction holds the database's
 * only write lock, so looking a key up already claims it: no other writer can record
 * it before this command's record commits.
 */
import { replayOf } from "../../model/idempotency.js";
import type { WriteCommand } from "../../model/write-command.js";
import type { WriteOutcome, WriteResult } from "../../model/write-outcome.js";
import type { Statements } from "./statements.js";

/** Replays the key's stored outcome, or runs `apply` and stores what it produced with the key. */
export function onceByKey(sql: Statements, command: WriteCommand, now: number, apply: () => WriteOutcome): WriteResult {
  const tag = command.idempotency;
  if (tag) {
    const seen = sql.idempotencyGet.get(tag.key);
    if (seen) return replayOf({ fingerprint: seen.fingerprint, outcome: JSON.parse(seen.outcome) }, tag.fingerprint);
  }
  const outcome = apply();
  if (tag) sql.idempotencyPut.run(tag.key, tag.fingerprint, JSON.stringify(outcome), now);
  return { outcome, replayed: false };
}
