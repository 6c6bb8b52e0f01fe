/**
 * From a stored outcome to the contract's result, or the contract's error. Replays of
 * an Idempotency-Key go through the same function, so a retry gets the first answer.
 */

import type { WriteCommand } from "../model/write-command.js";
import type { CurrentRaw, RawFailure, WriteOutcome } from "../model/write-outcome.js";
import { IdempotencyKeyReusedError, InternalError, NotFoundError, VersionMismatchError } from "../protocol/errors.js";
import type { CompactResult, CurrentRow, DeleteResult, NextVersionResult, PutResult, TxnFailure, TxnResult } from "../protocol/types.js";

export type WriteResponse = NextVersionResult | PutResult | DeleteResult | TxnResult | CompactResult;

export function interpret(command: WriteCommand, outcome: WriteOutcome): WriteResponse {
  switch (outcome.status) {
    case "idempotency_key_reused":
      throw new IdempotencyKeyReusedError();
    case "compacted":
      return { floor: outcome.floor, purged: outcome.purged };
    case "failed":
      throw failureError(command, outcome.failures);
    case "committed":
      if (command.kind === "nextVersion") return { region: outcome.region, version: outcome.version };
      if (command.kind === "txn" && command.form === "put") {
        const op = command.ops[0];
        if (!op) throw new InternalError("put without op");
        return { region: outcome.region, collection: op.collection, key: op.key, version: outcome.version };
      }
      return { version: outcome.version };
  }
}

export function toCurrent(raw: CurrentRaw | null): CurrentRow {
  return raw === null ? null : { version: raw.version, value: JSON.parse(raw.valueJson) };
}

function failureError(command: WriteCommand, failures: RawFailure[]): Error {
  const mismatch = failures.some((f) => f.reason === "mismatch");
  const single = command.kind === "txn" && command.form !== "txn";
  const first = failures[0];
  if (single && first) {
    const where = `${first.collection}/${first.key}`;
    if (!mismatch) return new NotFoundError(`row ${where} does not exist`);
    return new VersionMismatchError(first.current ? `row ${where} is at version ${first.current.version}` : `row ${where} does not exist`, {
      current: toCurrent(first.current),
    });
  }
  const list: TxnFailure[] = failures.map((f) => ({
    index: f.index,
    collection: f.collection,
    key: f.key,
    current: toCurrent(f.current),
  }));
  if (!mismatch) return new NotFoundError(`${list.length} deleted row(s) do not exist`, { failures: list });
  return new VersionMismatchError(`${list.length} condition(s) failed`, { failures: list });
}
