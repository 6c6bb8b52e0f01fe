/**
 * The statements a write runs under its region's lock, as commands (apply-command.ts)
 * and Replicache pushes (replicache-push.ts) both use them.
 */
import type pg from "pg";
import type { RowState } from "../../model/conditions.js";
import type { RegionRow } from "../../model/feed-rows.js";
import type { WriteOp } from "../../model/write-command.js";
import { newEpoch } from "../shared.js";
import type { Statements } from "./statements.js";

export async function lockRegion(client: pg.ClientBase, sql: Statements, name: string): Promise<RegionRow | undefined> {
  return (await client.query<RegionRow>(sql.lockRegion, [name])).rows[0];
}

export async function rowStates(client: pg.ClientBase, sql: Statements, regionId: number, ops: readonly WriteOp[]) {
  const { rows } = await client.query<{ i: number; version: number; deleted: boolean; value: string | null }>(sql.rowStates, [
    regionId,
    ops.map((op) => op.collection),
    ops.map((op) => op.key),
  ]);
  const states: Array<RowState | undefined> = ops.map(() => undefined);
  for (const row of rows) states[row.i - 1] = { version: row.version, deleted: row.deleted, valueJson: row.value };
  return states;
}

export async function bumpAndWrite(
  client: pg.ClientBase,
  sql: Statements,
  region: string,
  ops: readonly WriteOp[],
  now: number,
): Promise<number> {
  const { rows } = await client.query<{ version: number }>(sql.bumpAndWrite, [
    region,
    newEpoch(),
    now,
    ops.map((op) => op.collection),
    ops.map((op) => op.key),
    ops.map((op) => op.op === "delete"),
    ops.map((op) => (op.op === "put" ? op.valueJson : null)),
    ops.map((op) => (op.op === "put" ? (op.schemaVersion ?? null) : null)),
  ]);
  const version = rows[0]?.version;
  if (version === undefined) throw new Error(`region ${region} took no version`);
  return version;
}
