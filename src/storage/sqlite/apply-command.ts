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

/** A region's id by name, when it exists. */
export type RegionIds = (name: string) => number | undefined;

/**
 * Region ids for one batch, each looked up once. A region that exists stays (regions are
 * never deleted), so an id found inside the batch's transaction holds until its end. A
 * region created by a command is not remembered at its creation: that command's
 * savepoint may still roll it back; a later command finds it by its own lookup.
 */
export function batchRegionIds(sql: Statements): RegionIds {
  const found = new Map<string, number>();
  return (name) => {
    const known = found.get(name);
    if (known !== undefined) return known;
    const id = sql.region.get(name)?.id;
    if (id !== undefined) found.set(name, id);
    return id;
  };
}

export function applyCommand(sql: Statements, command: WriteCommand, now: number, regionIds: RegionIds): WriteOutcome {
  switch (command.kind) {
    case "nextVersion":
      return { status: "committed", region: command.region, version: takeVersions(sql, command.region, 1, now, regionIds) };
    case "txn":
      return applyTxn(sql, command, now, regionIds(command.region));
  }
  // Compactions and pushes read the region's version and floor, which writes move: read afresh.
  const existing = sql.region.get(command.region);
  switch (command.kind) {
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
  }
}

function applyTxn(
  sql: Statements,
  command: Extract<WriteCommand, { kind: "txn" }>,
  now: number,
  existingId: number | undefined,
): WriteOutcome {
  const current: Array<RowState | undefined> = command.ops.map((op) => {
    // An unconditional put succeeds whatever the row holds: no need to read it.
    if (existingId === undefined || (op.op === "put" && op.expect === undefined)) return undefined;
    return rowState(sql, existingId, op);
  });
  const failures = checkConditions(command.ops, current);
  if (failures.length > 0) return { status: "failed", failures };
  const id = existingId ?? createRegion(sql, command.region, now);
  const version = takeVersions(sql, command.region, 1, now, () => id);
  writeRows(sql, id, version, command.ops, now);
  return { status: "committed", region: command.region, version };
}

/**
 * Takes `count` consecutive versions of a region's counter (creating the region if need
 * be) and returns the last; they are last − count + 1 … last.
 */
export function takeVersions(sql: Statements, region: string, count: number, now: number, regionIds: RegionIds): number {
  const id = regionIds(region) ?? createRegion(sql, region, now);
  const bumped = sql.bumpBy.get(count, id);
  if (!bumped) throw new Error(`region ${id} vanished during a write`);
  return bumped.version;
}

function createRegion(sql: Statements, name: string, now: number): number {
  const created = sql.createRegion.get(name, newEpoch(), now);
  if (!created) throw new Error(`could not create region ${name}`);
  return created.id;
}
