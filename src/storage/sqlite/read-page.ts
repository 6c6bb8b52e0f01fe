/**
 * One page of the change feed, read in one transaction: its statements share one
 * snapshot, so the page's rows and its `head` agree.
 */
import type Database from "better-sqlite3";
import { cutFloor, cutPage, needsReset } from "../../model/feed.js";
import type { ChangesQuery, RawPage } from "../../model/raw-page.js";
import { assemblePage, emptyRegion, toRegion } from "../shared.js";
import type { Statements } from "./statements.js";

export type PageReader = (query: ChangesQuery) => RawPage;

export function pageReader(db: Database.Database, sql: Statements): PageReader {
  return db.transaction((query: ChangesQuery) => {
    const regionRow = sql.region.get(query.region);
    const region = regionRow ? toRegion(regionRow) : emptyRegion(query.region);
    const reset = needsReset(region, query.since, query.epoch, query.resetHead);
    const from = reset ? 0 : (query.since ?? 0);
    if (!regionRow) return assemblePage(region, reset, [], { kind: "all", count: 0 });
    let rows = (reset ? sql.liveAfter : sql.changesAfter).all(regionRow.id, from, query.limit + 1);
    const cut = cutPage(
      rows.map((row) => row.version),
      query.limit,
      cutFloor(region, query),
    );
    if (cut.kind === "whole-version") rows = (reset ? sql.liveUpTo : sql.changesUpTo).all(regionRow.id, from, cut.version);
    return assemblePage(region, reset, rows, cut);
  });
}
