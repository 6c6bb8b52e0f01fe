/**
 * One verso command inside an open READ COMMITTED transaction. The region's row lock
 * is the serialization point: conditions are read only once the lock is held (each
 * statement sees every commit made before it started, including that of the previous
 * lock holder), and a command whose conditions fail writes nothing at all, so no
 * savepoint is needed to undo it.
 */
import type pg from "pg";
import { compactionFloor } from "../../model/compaction.js";
import { checkConditions } from "../../model/conditions.js";
import { type RegionRow, toRegion } from "../../model/feed-rows.js";
import type { WriteCommand, WriteOp } from "../../model/write-command.js";
import type { WriteOutcome } from "../../model/write-outcome.js";
import { newEpoch } from "../shared.js";
import { applyPush } from "./replicache-push.js";
import { bumpAndWrite, lockRegion, rowStates } from "./row-writes.js";
import type { Statements } from "./statements.js";

export async function applyCommand(client: pg.ClientBase, sql: Statements, command: WriteCommand, now: number): Promise<WriteOutcome> {
  switch (command.kind) {
    case "nextVersion":
      return { status: "committed", region: command.region, version: await bumpAndWrite(client, sql, command.region, [], now) };
    case "compact": {
      const region = await lockRegion(client, sql, command.region);
      if (!region) return { status: "compacted", region: command.region, floor: 0, purged: 0 };
      const floor = compactionFloor(toRegion(region), command.horizon);
      const purged = (await client.query(sql.purge, [region.id, floor])).rowCount ?? 0;
      if (floor !== region.floor) await client.query(sql.setFloor, [region.id, floor]);
      return { status: "compacted", region: command.region, floor, purged };
    }
    case "replicachePush":
      return applyPush(client, sql, command, now);
    case "txn": {
      if (mayFail(command.ops)) {
        const failures = await checkUnderLock(client, sql, command.region, command.ops, now);
        if (failures.length > 0) return { status: "failed", failures };
      }
      return { status: "committed", region: command.region, version: await bumpAndWrite(client, sql, command.region, command.ops, now) };
    }
  }
}

/**
 * True when the command is one statement whose result nothing else in the batch needs
 * before it runs: it can be pipelined behind the statements before it.
 */
export function isSingleStatement(command: WriteCommand): boolean {
  return command.kind === "nextVersion" || (command.kind === "txn" && !mayFail(command.ops));
}

/** Unconditional puts cannot fail: they skip the read and go straight to the bump. */
function mayFail(ops: readonly WriteOp[]): boolean {
  return ops.some((op) => op.op === "delete" || op.expect !== undefined);
}

/**
 * Locks the region (creating it at version 0 when absent) and checks the conditions
 * against the current rows. A failure found while the region does not exist is
 * final without creating it: the rows were absent at that moment, and nothing is written.
 */
async function checkUnderLock(client: pg.ClientBase, sql: Statements, name: string, ops: readonly WriteOp[], now: number) {
  for (;;) {
    const region = await lockRegion(client, sql, name);
    if (region) return checkConditions(ops, await rowStates(client, sql, region.id, ops));
    const absent = checkConditions(
      ops,
      ops.map(() => undefined),
    );
    if (absent.length > 0) return absent;
    // Create it, locked; if another transaction created it first, lock theirs and read again.
    const created = await client.query<RegionRow>(sql.createRegion, [name, newEpoch(), now]);
    if (created.rows.length > 0) return absent;
  }
}
