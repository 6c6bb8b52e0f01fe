/**
 * Every SQL statement the SQLite backend runs, prepared once per connection.
 */
import type Database from "better-sqlite3";
import type { FeedRow, RegionRow } from "../../model/feed-rows.js";

/**
 * The queries that look at tombstones only. Each says `deleted = 1` literally, so SQLite
 * can use the partial index rows_tombstones (migration 3) instead of scanning every row.
 */
export const TOMBSTONE_QUERIES = {
  purge: "DELETE FROM rows WHERE region_id = ? AND deleted = 1 AND version <= ?",
  horizons: `SELECT g.name AS name, max(r.version) AS version FROM rows r JOIN regions g ON g.id = r.region_id
    WHERE r.deleted = 1 AND r.updated_at < ? GROUP BY r.region_id`,
} as const;

/**
 * The part of a prepared statement the backend uses, spelled out because the declarations
 * emitted for this module cannot name better-sqlite3's own Statement type.
 */
export interface Prepared<Parameters extends unknown[], Result = unknown> {
  run(...parameters: Parameters): Database.RunResult;
  get(...parameters: Parameters): Result | undefined;
  all(...parameters: Parameters): Result[];
}

export function statements(db: Database.Database) {
  const prepare = <Parameters extends unknown[], Result = unknown>(sql: string): Prepared<Parameters, Result> =>
    db.prepare<Parameters, Result>(sql);
  return {
    region: prepare<[string], RegionRow>("SELECT id, name, epoch, version, floor FROM regions WHERE name = ?"),
    regions: prepare<[], RegionRow>("SELECT id, name, epoch, version, floor FROM regions ORDER BY name"),
    createRegion: prepare<[string, string, number], { id: number }>(
      "INSERT INTO regions (name, epoch, version, floor, created_at) VALUES (?, ?, 0, 0, ?) RETURNING id",
    ),
    bump: prepare<[number], { version: number }>("UPDATE regions SET version = version + 1 WHERE id = ? RETURNING version"),
    setFloor: prepare<[number, number]>("UPDATE regions SET floor = ? WHERE id = ?"),
    rowState: prepare<[number, string, string], { version: number; deleted: number; value: string | null }>(
      "SELECT version, deleted, value FROM rows WHERE region_id = ? AND collection = ? AND key = ?",
    ),
    upsertRow: prepare<[number, string, string, number, number, string | null, number, number | null]>(
      `INSERT INTO rows (region_id, collection, key, version, deleted, value, updated_at, schema_version) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (region_id, collection, key) DO UPDATE SET
         version = excluded.version, deleted = excluded.deleted, value = excluded.value, updated_at = excluded.updated_at,
         schema_version = excluded.schema_version`,
    ),
    liveRow: prepare<[number, string, string], { version: number; value: string; schema_version: number | null }>(
      "SELECT version, value, schema_version FROM rows WHERE region_id = ? AND collection = ? AND key = ? AND deleted = 0",
    ),
    liveRows: prepare<[number, string, string, number], { key: string; version: number; value: string; schema_version: number | null }>(
      `SELECT key, version, value, schema_version FROM rows
       WHERE region_id = ? AND collection = ? AND deleted = 0 AND key > ? ORDER BY key LIMIT ?`,
    ),
    changesAfter: prepare<[number, number, number], FeedRow>(
      `SELECT collection, key, version, deleted, value, schema_version FROM rows
       WHERE region_id = ? AND version > ? ORDER BY version, collection, key LIMIT ?`,
    ),
    liveCount: prepare<[number], { n: number }>("SELECT count(*) AS n FROM rows WHERE region_id = ? AND deleted = 0"),
    liveAfter: prepare<[number, number, number], FeedRow>(
      `SELECT collection, key, version, deleted, value, schema_version FROM rows
       WHERE region_id = ? AND version > ? AND deleted = 0 ORDER BY version, collection, key LIMIT ?`,
    ),
    changesUpTo: prepare<[number, number, number], FeedRow>(
      `SELECT collection, key, version, deleted, value, schema_version FROM rows
       WHERE region_id = ? AND version > ? AND version <= ? ORDER BY version, collection, key`,
    ),
    liveUpTo: prepare<[number, number, number], FeedRow>(
      `SELECT collection, key, version, deleted, value, schema_version FROM rows
       WHERE region_id = ? AND version > ? AND version <= ? AND deleted = 0 ORDER BY version, collection, key`,
    ),
    purge: prepare<[number, number]>(TOMBSTONE_QUERIES.purge),
    tombstoneHorizons: prepare<[number], { name: string; version: number }>(TOMBSTONE_QUERIES.horizons),
    idempotencyGet: prepare<[string], { fingerprint: string; outcome: string }>(
      "SELECT fingerprint, outcome FROM idempotency WHERE key = ?",
    ),
    idempotencyPut: prepare<[string, string, string, number]>(
      "INSERT INTO idempotency (key, fingerprint, outcome, created_at) VALUES (?, ?, ?, ?)",
    ),
    sweep: prepare<[number]>("DELETE FROM idempotency WHERE created_at < ?"),
  };
}

export type Statements = ReturnType<typeof statements>;
