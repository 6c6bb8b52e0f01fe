/**
 * One page of the change feed from one snapshot. The usual case (a cursor that needs
 * no reset, a page that needs no second fetch) is a single statement, which PostgreSQL
 * runs on one snapshot; anything else is read in a REPEATABLE READ read-only
 * transaction, whose statements all share one snapshot. Either way the page's rows and
 * its `head` agree: a reader never gets a head whose rows it was not shown.
 */
import type pg from "pg";
import type { FeedRow, RegionRow } from "../../model/feed-rows.js";
import { type AsyncFeedSource, readPageAsync, startPage } from "../../model/page-read.js";
import type { ChangesQuery, RawPage } from "../../model/raw-page.js";
import type { Statements } from "./statements.js";
import { inSnapshot } from "./transaction.js";

type HeadRow = { id: number; name: string; epoch: string; head: number; floor: number } & {
  [K in keyof FeedRow]: FeedRow[K] | null;
};

export async function readPage(pool: pg.Pool, sql: Statements, query: ChangesQuery): Promise<RawPage> {
  if (query.since !== undefined && query.collection === undefined) {
    const { rows } = await pool.query<HeadRow>(sql.feedHead, [query.region, query.since, query.limit + 1]);
    const first = rows[0];
    const step = startPage(first && { id: first.id, name: first.name, epoch: first.epoch, version: first.head, floor: first.floor }, query);
    if ("page" in step) return step.page;
    // Without a reset, the first fetch asks for exactly the rows feedHead returned.
    if (!step.fetch.live) {
      const next = step.next(rows.filter((row): row is HeadRow & FeedRow => row.version !== null));
      if ("page" in next) return next.page;
    }
  }
  return inSnapshot(pool, (client) => readPageAsync(snapshotSource(client, sql), query));
}

function snapshotSource(client: pg.ClientBase, sql: Statements): AsyncFeedSource {
  return {
    region: async (name) => (await client.query<RegionRow>(sql.region, [name])).rows[0],
    rows: async (fetch) => {
      if (fetch.collection !== undefined) {
        const { rows } =
          fetch.kind === "first"
            ? await client.query<FeedRow>(fetch.live ? sql.collectionLiveAfter : sql.collectionChangesAfter, [
                fetch.regionId,
                fetch.collection,
                fetch.from,
                fetch.limit,
              ])
            : await client.query<FeedRow>(fetch.live ? sql.collectionLiveUpTo : sql.collectionChangesUpTo, [
                fetch.regionId,
                fetch.collection,
                fetch.from,
                fetch.upTo,
              ]);
        return rows;
      }
      const { rows } =
        fetch.kind === "first"
          ? await client.query<FeedRow>(fetch.live ? sql.liveAfter : sql.changesAfter, [fetch.regionId, fetch.from, fetch.limit])
          : await client.query<FeedRow>(fetch.live ? sql.liveUpTo : sql.changesUpTo, [fetch.regionId, fetch.from, fetch.upTo]);
      return rows;
    },
    liveCount: async (regionId) => (await client.query<{ n: number }>(sql.liveCount, [regionId])).rows[0]?.n ?? 0,
  };
}
