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

const SHAPE_COLUMNS = "collection, key, version, deleted, value, schema_version, created_version, prior_end_version";

export function statements(db: Database.Database) {
  const prepare = <Parameters extends unknown[], Result = unknown>(sql: string): Prepared<Parameters, Result> =>
    db.prepare<Parameters, Result>(sql);
  return {
    region: prepare<[string], RegionRow>("SELECT id, name, epoch, version, floor FROM regions WHERE name = ?"),
    regions: prepare<[], RegionRow>("SELECT id, name, epoch, version, floor FROM regions ORDER BY name"),
    createRegion: prepare<[string, string, number], { id: number }>(
      "INSERT INTO regions (name, epoch, version, floor, created_at) VALUES (?, ?, 0, 0, ?) RETURNING id",
    ),
    /** Takes the next `?` versions of a region's counter (several for a run of NextVersion calls): returns the last. */
    bumpBy: prepare<[number, number], { version: number }>("UPDATE regions SET version = version + ? WHERE id = ? RETURNING version"),
    setFloor: prepare<[number, number]>("UPDATE regions SET floor = ? WHERE id = ?"),
    /** Moves the counter to a head counted under the write lock (a push's last version). */
    setVersion: prepare<[number, number]>("UPDATE regions SET version = ? WHERE id = ?"),
    rowState: prepare<[number, string, string], { version: number; deleted: number; value: string | null }>(
      "SELECT version, deleted, value FROM rows WHERE region_id = ? AND collection = ? AND key = ?",
    ),
    /**
     * Writes a row at a version. A put over a tombstone begins a new life: it is created
     * at this version, and the tombstone's version is where the previous life ended.
     * Anything else keeps the life's creation (a new key is created by its first write).
     * The last parameter is the version again: the row's creation when the key is new.
     */
    upsertRow: prepare<[number, string, string, number, number, string | null, number, number | null, number]>(
      `INSERT INTO rows (region_id, collection, key, version, deleted, value, updated_at, schema_version, created_version, prior_end_version)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)
       ON CONFLICT (region_id, collection, key) DO UPDATE SET
         version = excluded.version, deleted = excluded.deleted, value = excluded.value, updated_at = excluded.updated_at,
         schema_version = excluded.schema_version,
         created_version = CASE WHEN rows.deleted = 1 AND excluded.deleted = 0 THEN excluded.version ELSE rows.created_version END,
         prior_end_version = CASE WHEN rows.deleted = 1 AND excluded.deleted = 0 THEN rows.version ELSE rows.prior_end_version END`,
    ),
    /** A live row by its region's name: one statement, not a region lookup and then the row. */
    liveRowIn: prepare<[string, string, string], { version: number; value: string; schema_version: number | null }>(
      `SELECT r.version, r.value, r.schema_version FROM regions g JOIN rows r ON r.region_id = g.id
       WHERE g.name = ? AND r.collection = ? AND r.key = ? AND r.deleted = 0`,
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
    /**
     * The feed of one collection (a shape): the same four reads, with each row's life.
     * They walk the region's feed index (rows_by_version) and skip other collections:
     * an index of its own would cost every write another entry for reads that cost at
     * most what the region's feed costs. `+collection` keeps SQLite from treating the
     * collection as a constant term of the ORDER BY, which would cost a sort per page.
     */
    collectionChangesAfter: prepare<[number, string, number, number], FeedRow>(
      `SELECT ${SHAPE_COLUMNS} FROM rows
       WHERE region_id = ? AND +collection = ? AND version > ? ORDER BY version, collection, key LIMIT ?`,
    ),
    collectionLiveAfter: prepare<[number, string, number, number], FeedRow>(
      `SELECT ${SHAPE_COLUMNS} FROM rows
       WHERE region_id = ? AND +collection = ? AND version > ? AND deleted = 0 ORDER BY version, collection, key LIMIT ?`,
    ),
    collectionChangesUpTo: prepare<[number, string, number, number], FeedRow>(
      `SELECT ${SHAPE_COLUMNS} FROM rows
       WHERE region_id = ? AND +collection = ? AND version > ? AND version <= ? ORDER BY version, collection, key`,
    ),
    collectionLiveUpTo: prepare<[number, string, number, number], FeedRow>(
      `SELECT ${SHAPE_COLUMNS} FROM rows
       WHERE region_id = ? AND +collection = ? AND version > ? AND version <= ? AND deleted = 0 ORDER BY version, collection, key`,
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
    replicacheClient: prepare<[string, string], { client_group_id: string; last_mutation_id: number }>(
      "SELECT client_group_id, last_mutation_id FROM replicache_clients WHERE region = ? AND client_id = ?",
    ),
    /** $1 region, $2 client, $3 group, $4 last mutation id, $5 the version that set it, $6 now. */
    replicacheClientPut: prepare<[string, string, string, number, number, number]>(
      `INSERT INTO replicache_clients (region, client_id, client_group_id, last_mutation_id, version, updated_at) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (region, client_id) DO UPDATE SET
         client_group_id = excluded.client_group_id, last_mutation_id = excluded.last_mutation_id,
         version = excluded.version, updated_at = excluded.updated_at`,
    ),
    /** The clients of a group whose last mutation id changed in versions (after, upTo]. */
    replicacheChanges: prepare<[string, string, number, number], { client_id: string; last_mutation_id: number }>(
      `SELECT client_id, last_mutation_id FROM replicache_clients
       WHERE region = ? AND client_group_id = ? AND version > ? AND version <= ? ORDER BY client_id`,
    ),
  };
}

export type Statements = ReturnType<typeof statements>;
