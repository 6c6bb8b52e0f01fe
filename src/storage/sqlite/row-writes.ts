/**
 * The row statements a write runs inside the batch's transaction, as commands
 * (apply-command.ts) and Replicache pushes (replicache-push.ts) both use them.
 */
import type { RowState } from "../../model/conditions.js";
import type { WriteOp } from "../../model/write-command.js";
import type { Statements } from "./statements.js";

/** What a condition is checked against: the row's version, tombstone or value; undefined when absent. */
export function rowState(sql: Statements, regionId: number, op: WriteOp): RowState | undefined {
  const row = sql.rowState.get(regionId, op.collection, op.key);
  return row && { version: row.version, deleted: row.deleted === 1, valueJson: row.value };
}

/** The state of each row `ops` touch, by position. */
export function rowStates(sql: Statements, regionId: number, ops: readonly WriteOp[]): Array<RowState | undefined> {
  return ops.map((op) => rowState(sql, regionId, op));
}

/** Writes `ops` at `version`: puts as live rows, deletes as tombstones. */
export function writeRows(sql: Statements, regionId: number, version: number, ops: readonly WriteOp[], now: number): void {
  for (const op of ops) {
    if (op.op === "put")
      sql.upsertRow.run(regionId, op.collection, op.key, version, 0, op.valueJson, now, op.schemaVersion ?? null, version);
    else sql.upsertRow.run(regionId, op.collection, op.key, version, 1, null, now, null, version);
  }
}
