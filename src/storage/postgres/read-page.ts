/**
 * One page of the change feed from one snapshot. The usual case (a cursor that needs
 * no reset, a page that needs no second fetch) is a single statement, which PostgreSQL
 * runs on one snapshot; anything else is read in a REPEATABLE READ read-only
 * transaction, whose statements all share one snapshot. Either way the page's rows and
 * its `head` agree: a reader never gets a head whose rows it was not shown.
 */
import type pg from "pg";
import { cutFloor, cutPage, needsReset } from "../../model/feed.js";
import type { ChangesQuery, RawPage } from "../../model/raw-page.js";
import { assemblePage, emptyRegion, type FeedRow, type RegionRow, toRegion } from "../shared.js";
import type { Statements } from "./statements.js";
import { inSnapshot } from "./transaction.js";

type HeadRow = { id: number; name: string; epoch: string; head: number; floor: number } & {
  [K in keyof FeedRow]: FeedRow[K] | null;
};

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
      if (cut.kind !== "whole-version") return assemblePage(region, false, feed, cut);
    }
  }
  return readInSnapshot(pool, sql, query);
}

function readInSnapshot(pool: pg.Pool, sql: Statements, query: ChangesQuery): Promise<RawPage> {
  return inSnapshot(pool, async (client) => {
    const regionRow = (await client.query<RegionRow>(sql.region, [query.region])).rows[0];
    if (!regionRow) return missingRegion(query);
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
    return assemblePage(region, reset, rows, cut);
  });
}

function missingRegion(query: ChangesQuery): RawPage {
  const region = emptyRegion(query.region);
  const reset = needsReset(region, query.since, query.epoch, query.resetHead);
  return { region: region.region, epoch: "", reset, ops: reset ? [{ op: "clear" }] : [], cursor: 0, head: 0, more: false };
}
