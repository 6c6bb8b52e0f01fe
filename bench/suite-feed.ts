/**
 * Suite "feed": reading a region's whole change feed, in rows per second. verso pages
 * through GET /v1/regions/R/changes (server in a child process, the client parsing each
 * page as an agent does, and asking for the next page as soon as a page's `Link` header
 * names it, as verso's client does) and through the in-process store; the baseline is a keyset scan
 * of the same rows with better-sqlite3 (the feed's own SELECT, in pages of the same
 * size), with and without JSON.parse of each value.
 */
import { performance } from "node:perf_hooks";
import type { VersoStore } from "../src/core/store.js";
import { internalsOf } from "../src/core/store-internals.js";
import { openStore } from "../src/open-store.js";
import { newEpoch } from "../src/storage/shared.js";
import { startChild } from "./child-server.js";
import type { Figure } from "./figures.js";
import { versus } from "./measure.js";
import { RawSqlite } from "./raw-sqlite.js";
import type { Settings } from "./settings.js";
import { tempDir } from "./temp.js";
import { VALUE } from "./workload.js";

const FEED_REGION = "feed-1";

/**
 * Writes `count` rows straight into verso's schema, one version each, as that many puts
 * would have left them (much faster than making the puts).
 */
export function populate(raw: RawSqlite, count: number, region = FEED_REGION): void {
  const insert = raw.db.prepare<[number, string, string, number, string, number]>(
    "INSERT INTO rows (region_id, collection, key, version, deleted, value, updated_at) VALUES (?, ?, ?, ?, 0, ?, ?)",
  );
  raw.db.transaction(() => {
    const now = Date.now();
    raw.db
      .prepare("INSERT INTO regions (name, epoch, version, floor, created_at) VALUES (?, ?, ?, 0, ?)")
      .run(region, newEpoch(), count, now);
    const id = raw.regionId(region);
    for (let v = 1; v <= count; v++) {
      const collection = v % 3 === 0 ? "gateways" : "deployments";
      insert.run(id, collection, `item-${v}`, v, JSON.stringify({ ...VALUE, replicas: v % 7, revision: v }), now);
    }
  })();
}

async function rowsPerSecond(read: Reader, expected: number): Promise<number> {
  const start = performance.now();
  const rows = Number(await read());
  const ms = performance.now() - start;
  if (rows !== expected) throw new Error(`read ${rows} rows of the feed, expected ${expected}`);
  return (rows / ms) * 1000;
}

/** A reader of the whole feed (or of its first `stopAfter` rows, to warm up); returns rows read. */
type Reader = (stopAfter?: number) => unknown;

async function readStore(store: VersoStore, limit: number, parse: boolean, stopAfter = Infinity): Promise<number> {
  let since = 0;
  let rows = 0;
  for (;;) {
    const page = parse
      ? await store.changes(FEED_REGION, { since, limit })
      : await internalsOf(store).changesRaw(FEED_REGION, { since, limit });
    rows += page.ops.length;
    if (!page.more || rows >= stopAfter) return rows;
    since = page.cursor;
  }
}

async function readHttp(url: string, limit: number, stopAfter = Infinity): Promise<number> {
  const get = async (path: string) => {
    const response = await fetch(`${url}${path}`);
    if (!response.ok) throw new Error(`changes answered ${response.status}`);
    return response;
  };
  let rows = 0;
  let next: Promise<Response> | undefined = get(`/v1/regions/${FEED_REGION}/changes?since=0&limit=${limit}`);
  while (next) {
    const response: Response = await next;
    // As verso's client does: the next page is asked for as soon as this one's headers say where it starts.
    const link = /^<([^>]+)>; rel="next"$/.exec(response.headers.get("link") ?? "")?.[1];
    next = link === undefined ? undefined : get(link);
    const page = (await response.json()) as { ops: unknown[]; more: boolean };
    rows += page.ops.length;
    if (!page.more || rows >= stopAfter) {
      // A page asked for but not wanted is read to its end, so its connection is free again.
      await next?.then((r) => r.arrayBuffer());
      return rows;
    }
  }
  return rows;
}

export async function feedSuite(settings: Settings): Promise<Figure[]> {
  const temp = tempDir();
  const raw = new RawSqlite(temp.file("feed.db"));
  populate(raw, settings.feedRows);
  const figures: Figure[] = [];
  const n = `${Math.round(settings.feedRows / 1000)}k`;
  const warmUp = Math.min(settings.feedRows, 20_000);
  const compareReads = async (name: string, verso: Reader, baseline: Reader) => {
    await verso(warmUp);
    await baseline(warmUp);
    const result = await versus(
      settings.runs,
      () => rowsPerSecond(verso, settings.feedRows),
      () => rowsPerSecond(baseline, settings.feedRows),
    );
    figures.push({ suite: "feed", name, synchronous: "-", unit: "rows/s", ...result });
  };
  try {
    // One process owns a verso file at a time: the server's figures first, then the store's.
    const server = await startChild(["verso", temp.file("feed.db"), "full", "512"]);
    try {
      for (const limit of [1000, 10000]) {
        await compareReads(
          `HTTP changes ${n} rows limit=${limit} vs scan+parse`,
          (stop) => readHttp(server.url, limit, stop),
          (stop) => raw.scanAll(FEED_REGION, limit, true, stop),
        );
      }
    } finally {
      await server.stop();
    }
    const store = await openStore({ path: temp.file("feed.db"), maintenanceIntervalMs: 0 });
    try {
      // In-process at the default page size only: larger pages change little there.
      await compareReads(
        `store.changes ${n} rows limit=1000 vs scan+parse`,
        (stop) => readStore(store, 1000, true, stop),
        (stop) => raw.scanAll(FEED_REGION, 1000, true, stop),
      );
      await compareReads(
        `store.changesRaw ${n} rows limit=1000 vs scan`,
        (stop) => readStore(store, 1000, false, stop),
        (stop) => raw.scanAll(FEED_REGION, 1000, false, stop),
      );
    } finally {
      await store.close();
    }
  } finally {
    raw.close();
    temp.remove();
  }
  return figures;
}
