/**
 * The baseline: better-sqlite3 used directly on verso's schema and pragmas, one
 * transaction per operation, running only the statements an operation cannot do
 * without (taken from src/storage/sqlite/statements.ts). The region's id is looked
 * up once, as a hand-written service would cache it.
 */
import { createHash } from "node:crypto";
import type Database from "better-sqlite3";
import { migrate } from "../src/sqlite/migrate.js";
import { openDatabase, type Synchronous } from "../src/sqlite/open-database.js";
import { newEpoch } from "../src/storage/shared.js";
import { MIGRATIONS } from "../src/storage/sqlite/migrations.js";

export interface FeedRow {
  collection: string;
  key: string;
  version: number;
  deleted: number;
  value: string | null;
}

export class RawSqlite {
  readonly db: Database.Database;
  private readonly bump;
  private readonly upsert;
  private readonly idempotencyGet;
  private readonly idempotencyPut;
  private readonly scan;
  private readonly regionIds = new Map<string, number>();
  readonly nextVersion: (region: string) => number;
  readonly put: (region: string, collection: string, key: string, value: unknown, idempotencyKey?: string) => number;

  constructor(path: string, synchronous: Synchronous = "full") {
    this.db = openDatabase({ path, synchronous });
    migrate(this.db, MIGRATIONS);
    const db = this.db;
    this.bump = db.prepare<[number], { version: number }>("UPDATE regions SET version = version + 1 WHERE id = ? RETURNING version");
    this.upsert = db.prepare<[number, string, string, number, number, string | null, number]>(
      `INSERT INTO rows (region_id, collection, key, version, deleted, value, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (region_id, collection, key) DO UPDATE SET
         version = excluded.version, deleted = excluded.deleted, value = excluded.value, updated_at = excluded.updated_at`,
    );
    this.idempotencyGet = db.prepare<[string], { fingerprint: string; outcome: string }>(
      "SELECT fingerprint, outcome FROM idempotency WHERE key = ?",
    );
    this.idempotencyPut = db.prepare<[string, string, string, number]>(
      "INSERT INTO idempotency (key, fingerprint, outcome, created_at) VALUES (?, ?, ?, ?)",
    );
    this.scan = db.prepare<[number, number, number], FeedRow>(
      `SELECT collection, key, version, deleted, value FROM rows
       WHERE region_id = ? AND version > ? ORDER BY version, collection, key LIMIT ?`,
    );
    this.nextVersion = db.transaction((region: string) => this.bumpRegion(region)).immediate;
    this.put = db.transaction((region: string, collection: string, key: string, value: unknown, idempotencyKey?: string) => {
      const json = JSON.stringify(value);
      // A service with retries needs the same two statements and a request fingerprint.
      const fingerprint = idempotencyKey === undefined ? "" : createHash("sha256").update(json).digest("base64url");
      if (idempotencyKey !== undefined) {
        const seen = this.idempotencyGet.get(idempotencyKey);
        if (seen) return (JSON.parse(seen.outcome) as { version: number }).version;
      }
      const version = this.bumpRegion(region);
      this.upsert.run(this.regionId(region), collection, key, version, 0, json, Date.now());
      if (idempotencyKey !== undefined) this.idempotencyPut.run(idempotencyKey, fingerprint, JSON.stringify({ version }), Date.now());
      return version;
    }).immediate;
  }

  regionId(name: string): number {
    let id = this.regionIds.get(name);
    if (id === undefined) {
      const existing = this.db.prepare<[string], { id: number }>("SELECT id FROM regions WHERE name = ?").get(name);
      id =
        existing?.id ??
        (
          this.db
            .prepare<[string, string, number], { id: number }>(
              "INSERT INTO regions (name, epoch, version, floor, created_at) VALUES (?, ?, 0, 0, ?) RETURNING id",
            )
            .get(name, newEpoch(), Date.now()) as { id: number }
        ).id;
      this.regionIds.set(name, id);
    }
    return id;
  }

  private bumpRegion(region: string): number {
    const bumped = this.bump.get(this.regionId(region));
    if (!bumped) throw new Error(`region ${region} vanished`);
    return bumped.version;
  }

  /** Reads the changes of a region in keyset pages of `limit` (all, or until `stopAfter`); returns the rows seen. */
  scanAll(region: string, limit: number, parseValues: boolean, stopAfter = Infinity): number {
    const id = this.regionId(region);
    let since = 0;
    let seen = 0;
    for (;;) {
      const rows = this.scan.all(id, since, limit);
      if (parseValues) for (const row of rows) if (row.value !== null) JSON.parse(row.value);
      seen += rows.length;
      const last = rows[rows.length - 1];
      if (!last || rows.length < limit || seen >= stopAfter) return seen;
      since = last.version;
    }
  }

  close(): void {
    this.db.close();
  }
}
