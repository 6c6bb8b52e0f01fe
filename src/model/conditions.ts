/**
 * Conditions of a transaction, decided purely from the rows' current states. Every
 * backend reads the current rows, asks this module, and only then writes: a failed
 * transaction therefore never touches a row nor takes a version.
 */

import type { WriteOp } from "./write-command.js";
import type { RawFailure } from "./write-outcome.js";

/** A row as stored: tombstones keep their version and have no value. */
export interface RowState {
  version: number;
  deleted: boolean;
  valueJson: string | null;
}

export function isLive(state: RowState | undefined): state is RowState & { valueJson: string } {
  return state !== undefined && !state.deleted && state.valueJson !== null;
}

/** Returns every failing op (empty when the transaction may commit). */
export function checkConditions(ops: readonly WriteOp[], current: readonly (RowState | undefined)[]): RawFailure[] {
  const failures: RawFailure[] = [];
  ops.forEach((op, index) => {
    const state = current[index];
    const live = isLive(state);
    const failure = (reason: RawFailure["reason"]): RawFailure => ({
      index,
      collection: op.collection,
      key: op.key,
      reason,
      current: live ? { version: state.version, valueJson: state.valueJson } : null,
    });
    const expect = op.expect;
    if (expect === undefined) {
      if (op.op === "delete" && !live) failures.push(failure("missing"));
    } else if (expect === "present") {
      if (!live) failures.push(failure("mismatch"));
    } else if (expect === 0) {
      // A delete always needs a live row: "must be absent" leaves it nothing to delete,
      // and committing would take a version (and create the region) for a tombstone of nothing.
      if (live) failures.push(failure("mismatch"));
      else if (op.op === "delete") failures.push(failure("missing"));
    } else if (!live || state.version !== expect) {
      failures.push(failure("mismatch"));
    }
  });
  return failures;
}
