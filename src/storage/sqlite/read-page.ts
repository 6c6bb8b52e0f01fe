/**
 * One page of the change feed, read in one transaction: its statements share one
 * snapshot, so the page's rows and its `head` agree.
 */
import type Database from "better-sqlite3";
import { type FeedSource, readPageSync } from "../../model/page-read.js";
import type { ChangesQuery, RawPage } from "../../model/raw-page.js";
import type { Statements } from "./statements.js";

export type PageReader = (query: ChangesQuery) => RawPage;

export function pageReader(db: Database.Database, sql: Statements): PageReader {
  const source: FeedSource = {
    region: (name) => sql.region.get(name),
    rows: (fetch) => {
      if (fetch.collection !== undefined) {
        return fetch.kind === "first"
          ? (fetch.live ? sql.collectionLiveAfter : sql.collectionChangesAfter).all(
              fetch.regionId,
              fetch.collection,
              fetch.from,
              fetch.limit,
            )
          : (fetch.live ? sql.collectionLiveUpTo : sql.collectionChangesUpTo).all(fetch.regionId, fetch.collection, fetch.from, fetch.upTo);
      }
      return fetch.kind === "first"
        ? (fetch.live ? sql.liveAfter : sql.changesAfter).all(fetch.regionId, fetch.from, fetch.limit)
        : (fetch.live ? sql.liveUpTo : sql.changesUpTo).all(fetch.regionId, fetch.from, fetch.upTo);
    },
    liveCount: (regionId) => sql.liveCount.get(regionId)?.n ?? 0,
  };
  return db.transaction((query: ChangesQuery) => readPageSync(source, query));
}
