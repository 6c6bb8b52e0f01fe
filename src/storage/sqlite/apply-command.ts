/**
 * One verso command inside the batch's IMMEDIATE transaction, which holds the
 * database's only write lock: conditions read here cannot change before the command's
 * own writes.
 */
import { compactionFloor } from "../../model/compaction.js";
import { checkConditions, type RowState } from "../../model/conditions.js";
import { toRegion } from "../../model/feed-rows.js";
import type { WriteCommand } from "../../model/write-command.js";
import type { WriteOutcome } from "../../model/write-outcome.js";
import { newEpoch } from "../shared.js";
import { applyPush } from "./replicache-push.js";
import { rowState, writeRows } from "./row-writes.js";
import type { Statements } from "./statements.js";

export function applyCommand(sql: Statements, command: WriteCommand, now: number): WriteOutcome {
  const existing = sql.region.get(command.region);
  switch (command.kind) {
    case "nextVersion":
      return { status: "committed", region: command.region, version: takeVersions(sql, command.region, 1, now, existing?.id) };
    case "compact": {
      if (!existing) return { status: "compacted", region: command.region, floor: 0, purged: 0 };
      const floor = compactionFloor(toRegion(existing), command.horizon);
      const purged = sql.purge.run(existing.id, floor).changes;
      if (floor !== existing.floor) sql.setFloor.run(floor, existing.id);
      return { status: "compacted", region: command.region, floor, purged };
    }
    case "replicachePush":
      return applyPush(sql, command, now, () =>
        existing ? { id: existing.id, version: existing.version } : { id: createRegion(sql, command.region, now), version: 0 },
      );
    case "txn": {
      const current: Array<RowState | undefined> = command.ops.map((op) => {
        // An unconditional put succeeds whatever the row holds: no need to read it.
        if (!existing || (op.op === "put" && op.expect === undefined)) return undefined;
        return rowState(sql, existing.id, op);
      });
      const failures = checkConditions(command.ops, current);
      if (failures.length > 0) return { status: "failed", failures };
      const id = existing?.id ?? createRegion(sql, command.region, now);
      const version = bump(sql, id);
      writeRows(sql, id, version, command.ops, now);
      return { status: "committed", region: command.region, version };
    }
  }
}

/**
 * Takes `count` consecutive versions of a region's counter (creating the region if need
 * be) and returns the last; they are last − count + 1 … last.
 */
export function takeVersions(sql: Statements, region: string, count: number, now: number, knownId?: number): number {
  const id = knownId ?? sql.region.get(region)?.id ?? createRegion(sql, region, now);
  const bumped = sql.bumpBy.get(count, id);
  if (!bumped) throw new Error(`region ${id} vanished during a write`);
  return bumped.version;
}

function createRegion(sql: Statements, name: string, now: number): number {
  const created = sql.createRegion.get(name, newEpoch(), now);
  if (!created) throw new Error(`could not create region ${name}`);
  return created.id;
}

function bump(sql: Statements, regionId: number): number {
  const bumped = sql.bump.get(regionId);
  if (!bumped) throw new Error(`region ${regionId} vanished during a write`);
  return bumped.version;
}
