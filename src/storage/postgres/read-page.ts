/**
 * One page of the change feed from one snapshot. The usual case (a cursor that needs
 * no reset, a page that needs no second fetch) is a single statement, which PostgreSQL
 * runs on one snapshot; anything else is read in a REPEATABLE READ read-only
 * transaction, whose statements all share one snapshot. Either way the page's rows and
 * its `head` agree: a reader never gets a head whose rows it was not shown.
 */
import type pg from "pg";
import { type Cut, cutFloor, cutPage, needsReset } from "../../core/feed.js";
import type { Region } from "../../protocol/types.js";
import type { ChangesQuery, RawPage, RawPageOp } from "../storage.js";
import { type RegionRow, toRegion } from "./apply-command.js";
import type { Statements } from "./statements.js";

interface FeedRow {
  collection: string;
  key: string;
  version: number;
  deleted: boolean;
  value: string | null;
}

type HeadRow = { id: number; name: string; epoch: string; head: number; floor: number } & {
  [K in keyof FeedRow]: FeedRow[K] | null;
};

export function emptyRegion(name: string): Region {
  return { region: name, epoch: "", version: 0, floor: 0 };
}

export async function readPage(pool: pg.Pool, sql: Statements, query: ChangesQuery): Promise<RawPage> {
  if (query.since !== undefined) {
    const { rows } = await pool.query<HeadRow>(sql.feedHead, [query.region, query.since, query.limit + 1]);
    const first = rows[0];
    if (!first) return missingRegion(query);
    const region = toRegion({ id: first.id, name: first.name, epoch: first.epoch, version: first.head, floor: first.floor });
    if (!needsReset(region, query.since, query.epoch, query.resetHead)) {
      const feed = rows.filter((r): r is HeadRow & FeedRow => r.version !== null);
      const cut = cutPage(
        feed.map((r) => r.version),
        query.limit,
        cutFloor(region, query),
      );
      if (cut.kind !== "whole-version") return assemble(region, false, feed, cut);
    }
  }
  return readInSnapshot(pool, sql, query);
}

async function readInSnapshot(pool: pg.Pool, sql: Statements, query: ChangesQuery): Promise<RawPage> {
  const client = await pool.connect();
  let broken = false;
  try {
    await client.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
    const regionRow = (await client.query<RegionRow>(sql.region, [query.region])).rows[0];
    let page: RawPage;
    if (!regionRow) {
      page = missingRegion(query);
    } else {
      const region = toRegion(regionRow);
      const reset = needsReset(region, query.since, query.epoch, query.resetHead);
      const from = reset ? 0 : (query.since ?? 0);
      let rows = (await client.query<FeedRow>(reset ? sql.liveAfter : sql.changesAfter, [regionRow.id, from, query.limit + 1])).rows;
      const cut = cutPage(
        rows.map((r) => r.version),
        query.limit,
        cutFloor(region, query),
      );
      if (cut.kind === "whole-version")
        rows = (await client.query<FeedRow>(reset ? sql.liveUpTo : sql.changesUpTo, [regionRow.id, from, cut.version])).rows;
      page = assemble(region, reset, rows, cut);
    }
    await client.query("COMMIT");
    return page;
  } catch (error) {
    await client.query("ROLLBACK").catch(() => {
      broken = true;
    });
    throw error;
  } finally {
    client.release(broken);
  }
}

function missingRegion(query: ChangesQuery): RawPage {
  const region = emptyRegion(query.region);
  const reset = needsReset(region, query.since, query.epoch, query.resetHead);
  return { region: region.region, epoch: "", reset, ops: reset ? [{ op: "clear" }] : [], cursor: 0, head: 0, more: false };
}

/** Builds the page from rows fetched in version order and the cut decided on them. */
function assemble(region: Region, reset: boolean, rows: readonly FeedRow[], cut: Cut): RawPage {
  const ops: RawPageOp[] = reset ? [{ op: "clear" }] : [];
  let cursor = region.version;
  let more = false;
  let kept = rows;
  if (cut.kind === "partial") {
    kept = rows.slice(0, cut.count);
    cursor = cut.cursor;
    more = true;
  } else if (cut.kind === "whole-version") {
    cursor = cut.version;
    more = cut.version < region.version;
  }
  for (const row of kept) ops.push(toPageOp(row));
  return { region: region.region, epoch: region.epoch, reset, ops, cursor, head: region.version, more };
}

function toPageOp(row: FeedRow): RawPageOp {
  if (row.deleted || row.value === null) return { op: "del", collection: row.collection, key: row.key, version: row.version };
  return { op: "put", collection: row.collection, key: row.key, version: row.version, valueJson: row.value };
}
