/**
 * The sequence of a change-feed page read, written once for every backend: read the
 * region, decide whether the reader must reset, fetch `limit + 1` rows after its
 * cursor, cut the page, fetch the whole version when the cut asks for it, and assemble
 * the page. The decisions are steps (startPage); a backend only answers their fetches,
 * SQLite synchronously inside one read transaction (readPageSync), PostgreSQL
 * asynchronously on one snapshot (readPageAsync).
 */
import type { Region } from "../protocol/types.js";
import { type Cut, cutFloor, cutPage, needsReset } from "./feed.js";
import { emptyRegion, type FeedRow, type RegionRow, schemaOf, toRegion } from "./feed-rows.js";
import type { ChangesQuery, RawPage, RawPageOp, RowLife } from "./raw-page.js";

/**
 * Rows of one region in version order (then collection, key). `live`: without
 * tombstones, for a reset page, which rebuilds the reader's copy from nothing.
 * `collection`: only that collection's rows, each with its life (a shape's feed).
 */
export type FeedFetch =
  /** The first `limit` rows after version `from`. */
  | { kind: "first"; regionId: number; live: boolean; from: number; limit: number; collection?: string }
  /** Every row in (from, upTo]: one version larger than the page, or a reset's compacted prefix. */
  | { kind: "through"; regionId: number; live: boolean; from: number; upTo: number; collection?: string };

/** The finished page, or the rows the read needs next and what to do with them. */
export type PageStep = { page: RawPage } | { fetch: FeedFetch; next: (rows: readonly FeedRow[]) => PageStep };

/** Where the steps' reads are answered; every call of one page read must see one snapshot. */
export interface FeedSource {
  region(name: string): RegionRow | undefined;
  rows(fetch: FeedFetch): readonly FeedRow[];
  /** Live rows of the region (a reset page tells it, so readers can show a percentage). */
  liveCount(regionId: number): number;
}

export interface AsyncFeedSource {
  region(name: string): Promise<RegionRow | undefined>;
  rows(fetch: FeedFetch): Promise<readonly FeedRow[]>;
  liveCount(regionId: number): Promise<number>;
}

/** The first step of a page read, once the region's row is known (undefined: never written). */
export function startPage(regionRow: RegionRow | undefined, query: ChangesQuery): PageStep {
  const region = regionRow ? toRegion(regionRow) : emptyRegion(query.region);
  const reset = needsReset(region, query.since, query.epoch, query.resetHead);
  if (!regionRow) return { page: assemblePage(region, reset, [], { kind: "all", count: 0 }) };
  const from = reset ? 0 : (query.since ?? 0);
  const only = query.collection === undefined ? {} : { collection: query.collection };
  const limit = (reset || query.resetHead !== undefined) && query.resetLimit !== undefined ? query.resetLimit : query.limit;
  return {
    fetch: { kind: "first", regionId: regionRow.id, live: reset, from, limit: limit + 1, ...only },
    next: (rows) => {
      const cut = cutPage(
        rows.map((row) => row.version),
        limit,
        cutFloor(region, query),
      );
      if (cut.kind !== "whole-version") return { page: assemblePage(region, reset, rows, cut) };
      return {
        fetch: { kind: "through", regionId: regionRow.id, live: reset, from, upTo: cut.version, ...only },
        next: (whole) => ({ page: assemblePage(region, reset, whole, cut) }),
      };
    },
  };
}

export function readPageSync(source: FeedSource, query: ChangesQuery): RawPage {
  const region = source.region(query.region);
  let step = startPage(region, query);
  while ("fetch" in step) step = step.next(source.rows(step.fetch));
  return region && countsRows(query, step.page) ? { ...step.page, resetRows: source.liveCount(region.id) } : step.page;
}

export async function readPageAsync(source: AsyncFeedSource, query: ChangesQuery): Promise<RawPage> {
  const region = await source.region(query.region);
  let step = startPage(region, query);
  while ("fetch" in step) step = step.next(await source.rows(step.fetch));
  return region && countsRows(query, step.page) ? { ...step.page, resetRows: await source.liveCount(region.id) } : step.page;
}

/**
 * Counted once per reset (only its first page is a reset page), on the page's snapshot;
 * the count is the region's, so the feed of one collection (a shape) leaves it out.
 */
function countsRows(query: ChangesQuery, page: RawPage): boolean {
  return page.reset && query.collection === undefined;
}

/**
 * Builds a page from rows fetched in version order and the cut decided on them. For a
 * "whole-version" cut, `rows` must already be that version (or compacted prefix) fetched whole.
 */
function assemblePage(region: Region, reset: boolean, rows: readonly FeedRow[], cut: Cut): RawPage {
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
  const life = lifeOf(row);
  if (row.deleted === true || row.deleted === 1 || row.value === null) {
    return { op: "del", collection: row.collection, key: row.key, version: row.version, ...life };
  }
  return {
    op: "put",
    collection: row.collection,
    key: row.key,
    version: row.version,
    valueJson: row.value,
    ...schemaOf(row.schema_version),
    ...life,
  };
}

function lifeOf(row: FeedRow): { life?: RowLife } {
  if (row.created_version === undefined) return {};
  const prior = row.prior_end_version;
  return { life: { created: Number(row.created_version), ...(prior !== null && prior !== undefined && { priorEnd: Number(prior) }) } };
}
