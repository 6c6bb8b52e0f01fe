/**
 * The row store behind the Restate path: one SQLite table keeping the latest
 * state per (region, collection, key), read by agents the way seed 000 says:
 * `version > cursor ORDER BY version`. Several processes may open the same file
 * (WAL), e.g. the SDK endpoint writing and agents reading.
 */
import type Database from "better-sqlite3";
import type { Json } from "../protocol/types.js";
import { openDatabase } from "../sqlite/open-database.js";

export const DEFAULT_FEED_PATH = "./data/restate-feed.db";

export interface FeedRow {
  region: string;
  collection: string;
  key: string;
  version: number;
  value: Json;
}

export class FeedTable {
  private readonly db: Database.Database;
  private readonly upsert: Database.Statement;
  private readonly after: Database.Statement;

  constructor(path: string) {
    this.db = openDatabase({ path });
    this.db.exec(`CREATE TABLE IF NOT EXISTS feed (
      region TEXT NOT NULL, collection TEXT NOT NULL, key TEXT NOT NULL,
      version INTEGER NOT NULL, value TEXT NOT NULL,
      PRIMARY KEY (region, collection, key)) WITHOUT ROWID;
      CREATE INDEX IF NOT EXISTS feed_by_version ON feed (region, version);`);
    // A replayed write carries the version it was first given; never let it move a row backwards.
    this.upsert = this.db.prepare(`INSERT INTO feed (region, collection, key, version, value) VALUES (?, ?, ?, ?, ?)
      ON CONFLICT (region, collection, key) DO UPDATE SET version = excluded.version, value = excluded.value
      WHERE excluded.version >= feed.version`);
    this.after = this.db.prepare(
      "SELECT collection, key, version, value FROM feed WHERE region = ? AND version > ? ORDER BY version LIMIT ?",
    );
  }

  write(row: FeedRow): void {
    this.upsert.run(row.region, row.collection, row.key, row.version, JSON.stringify(row.value));
  }

  /** Rows of `region` with version > cursor, in version order. */
  since(region: string, cursor: number, limit = 10_000): FeedRow[] {
    const rows = this.after.all(region, cursor, limit) as { collection: string; key: string; version: number; value: string }[];
    return rows.map((r) => ({ region, collection: r.collection, key: r.key, version: r.version, value: JSON.parse(r.value) as Json }));
  }

  close(): void {
    this.db.close();
  }
}
