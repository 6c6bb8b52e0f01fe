/**
 * The embedded backend: one better-sqlite3 connection. Every method runs synchronously
 * to completion (no await inside a transaction), so a reader on the same connection can
 * never observe a half-applied batch, and one connection is all the process needs.
 */
import type Database from "better-sqlite3";
import { compactionFloor } from "../../core/compaction.js";
import { checkConditions, type RowState } from "../../core/conditions.js";
import { cutFloor, cutPage, needsReset } from "../../core/feed.js";
import type { Region } from "../../protocol/types.js";
import { assemblePage, committedHeads, emptyRegion, type FeedRow, newEpoch, type RegionRow, toRegion } from "../shared.js";
import type { ChangesQuery, CommitListener, RawPage, Storage, StoredRow, WriteCommand, WriteOutcome, WriteResult } from "../storage.js";
import type { TokenStorage } from "../token-storage.js";
import { openVersoFile, type VersoFileOptions } from "./open-verso-file.js";
import { SqliteTokenStorage } from "./sqlite-token-storage.js";

export interface SqliteStorageOptions extends VersoFileOptions {
  /** Clock in ms, injectable so retention can be tested without waiting. */
  now?: () => number;
}

/**
 * The queries that look at tombstones only. Each says `deleted = 1` literally, so SQLite
 * can use the partial index rows_tombstones (migration 3) instead of scanning every row.
 */
export const TOMBSTONE_QUERIES = {
  purge: "DELETE FROM rows WHERE region_id = ? AND deleted = 1 AND version <= ?",
  horizons: `SELECT g.name AS name, max(r.version) AS version FROM rows r JOIN regions g ON g.id = r.region_id
    WHERE r.deleted = 1 AND r.updated_at < ? GROUP BY r.region_id`,
} as const;

export class SqliteStorage implements Storage {
  readonly backend = "sqlite";
  private readonly db: Database.Database;
  private readonly closeFile: () => void;
  private readonly now: () => number;
  private readonly listeners = new Set<CommitListener>();
  private readonly stmt;
  private readonly runBatch: (batch: readonly WriteCommand[]) => Array<WriteResult | Error>;
  private readonly runCommand: (command: WriteCommand, now: number) => WriteResult;
  private readonly readSnapshot: <T>(fn: () => T) => T;
  private readonly tokenStorage: SqliteTokenStorage;

  constructor(options: SqliteStorageOptions) {
    ({ db: this.db, close: this.closeFile } = openVersoFile(options));
    this.now = options.now ?? Date.now;
    const db = this.db;
    this.stmt = {
      region: db.prepare<[string], RegionRow>("SELECT id, name, epoch, version, floor FROM regions WHERE name = ?"),
      regions: db.prepare<[], RegionRow>("SELECT id, name, epoch, version, floor FROM regions ORDER BY name"),
      createRegion: db.prepare<[string, string, number], { id: number }>(
        "INSERT INTO regions (name, epoch, version, floor, created_at) VALUES (?, ?, 0, 0, ?) RETURNING id",
      ),
      bump: db.prepare<[number], { version: number }>("UPDATE regions SET version = version + 1 WHERE id = ? RETURNING version"),
      setFloor: db.prepare<[number, number]>("UPDATE regions SET floor = ? WHERE id = ?"),
      rowState: db.prepare<[number, string, string], { version: number; deleted: number; value: string | null }>(
        "SELECT version, deleted, value FROM rows WHERE region_id = ? AND collection = ? AND key = ?",
      ),
      upsertRow: db.prepare<[number, string, string, number, number, string | null, number]>(
        `INSERT INTO rows (region_id, collection, key, version, deleted, value, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (region_id, collection, key) DO UPDATE SET
           version = excluded.version, deleted = excluded.deleted, value = excluded.value, updated_at = excluded.updated_at`,
      ),
      liveRows: db.prepare<[number, string, string, number], { key: string; version: number; value: string }>(
        `SELECT key, version, value FROM rows
         WHERE region_id = ? AND collection = ? AND deleted = 0 AND key > ? ORDER BY key LIMIT ?`,
      ),
      changesAfter: db.prepare<[number, number, number], FeedRow>(
        `SELECT collection, key, version, deleted, value FROM rows
         WHERE region_id = ? AND version > ? ORDER BY version, collection, key LIMIT ?`,
      ),
      liveAfter: db.prepare<[number, number, number], FeedRow>(
        `SELECT collection, key, version, deleted, value FROM rows
         WHERE region_id = ? AND version > ? AND deleted = 0 ORDER BY version, collection, key LIMIT ?`,
      ),
      changesUpTo: db.prepare<[number, number, number], FeedRow>(
        `SELECT collection, key, version, deleted, value FROM rows
         WHERE region_id = ? AND version > ? AND version <= ? ORDER BY version, collection, key`,
      ),
      liveUpTo: db.prepare<[number, number, number], FeedRow>(
        `SELECT collection, key, version, deleted, value FROM rows
         WHERE region_id = ? AND version > ? AND version <= ? AND deleted = 0 ORDER BY version, collection, key`,
      ),
      purge: db.prepare<[number, number]>(TOMBSTONE_QUERIES.purge),
      tombstoneHorizons: db.prepare<[number], { name: string; version: number }>(TOMBSTONE_QUERIES.horizons),
      idempotencyGet: db.prepare<[string], { fingerprint: string; outcome: string }>(
        "SELECT fingerprint, outcome FROM idempotency WHERE key = ?",
      ),
      idempotencyPut: db.prepare<[string, string, string, number]>(
        "INSERT INTO idempotency (key, fingerprint, outcome, created_at) VALUES (?, ?, ?, ?)",
      ),
      sweep: db.prepare<[number]>("DELETE FROM idempotency WHERE created_at < ?"),
    };
    // Nested better-sqlite3 transactions become savepoints: each command is isolated
    // inside the batch's single commit.
    this.runCommand = db.transaction((command: WriteCommand, now: number) => this.apply(command, now));
    const runCommand = this.runCommand;
    this.runBatch = db.transaction((batch: readonly WriteCommand[]) => {
      const now = this.now();
      return batch.map((command) => {
        try {
          return runCommand(command, now);
        } catch (error) {
          // Some errors (SQLITE_FULL, I/O errors) roll back the whole transaction, not just
          // the command's savepoint: the batch is lost, and the commands after this one
          // must not run outside any transaction. Its cause answers every command.
          if (!db.inTransaction) throw error;
          return error instanceof Error ? error : new Error(String(error));
        }
      });
    }).immediate;
    const snapshot = db.transaction((fn: () => unknown) => fn());
    this.readSnapshot = <T>(fn: () => T) => snapshot(fn) as T;
    this.tokenStorage = new SqliteTokenStorage(db);
  }

  tokens(): TokenStorage {
    return this.tokenStorage;
  }

  async write(batch: readonly WriteCommand[]): Promise<Array<WriteResult | Error>> {
    const results = this.runBatch(batch);
    for (const [region, head] of committedHeads(results)) for (const listener of this.listeners) listener(region, head);
    return results;
  }

  private apply(command: WriteCommand, now: number): WriteResult {
    const tag = command.idempotency;
    if (tag) {
      const seen = this.stmt.idempotencyGet.get(tag.key);
      if (seen) {
        const outcome: WriteOutcome =
          seen.fingerprint === tag.fingerprint ? JSON.parse(seen.outcome) : { status: "idempotency_key_reused" };
        return { outcome, replayed: seen.fingerprint === tag.fingerprint };
      }
    }
    const outcome = this.execute(command, now);
    if (tag) this.stmt.idempotencyPut.run(tag.key, tag.fingerprint, JSON.stringify(outcome), now);
    return { outcome, replayed: false };
  }

  private execute(command: WriteCommand, now: number): WriteOutcome {
    const existing = this.stmt.region.get(command.region);
    switch (command.kind) {
      case "nextVersion": {
        const id = existing?.id ?? this.createRegion(command.region, now);
        return { status: "committed", region: command.region, version: this.bump(id) };
      }
      case "compact": {
        if (!existing) return { status: "compacted", region: command.region, floor: 0, purged: 0 };
        const floor = compactionFloor(toRegion(existing), command.horizon);
        const purged = this.stmt.purge.run(existing.id, floor).changes;
        if (floor !== existing.floor) this.stmt.setFloor.run(floor, existing.id);
        return { status: "compacted", region: command.region, floor, purged };
      }
      case "txn": {
        const current: Array<RowState | undefined> = command.ops.map((op) => {
          // An unconditional put succeeds whatever the row holds: no need to read it.
          if (!existing || (op.op === "put" && op.expect === undefined)) return undefined;
          const row = this.stmt.rowState.get(existing.id, op.collection, op.key);
          return row && { version: row.version, deleted: row.deleted === 1, valueJson: row.value };
        });
        const failures = checkConditions(command.ops, current);
        if (failures.length > 0) return { status: "failed", failures };
        const id = existing?.id ?? this.createRegion(command.region, now);
        const version = this.bump(id);
        for (const op of command.ops) {
          if (op.op === "put") this.stmt.upsertRow.run(id, op.collection, op.key, version, 0, op.valueJson, now);
          else this.stmt.upsertRow.run(id, op.collection, op.key, version, 1, null, now);
        }
        return { status: "committed", region: command.region, version };
      }
    }
  }

  private createRegion(name: string, now: number): number {
    const created = this.stmt.createRegion.get(name, newEpoch(), now);
    if (!created) throw new Error(`could not create region ${name}`);
    return created.id;
  }

  private bump(regionId: number): number {
    const bumped = this.stmt.bump.get(regionId);
    if (!bumped) throw new Error(`region ${regionId} vanished during a write`);
    return bumped.version;
  }

  async region(name: string): Promise<Region> {
    const row = this.stmt.region.get(name);
    return row ? toRegion(row) : emptyRegion(name);
  }

  async regions(): Promise<Region[]> {
    return this.stmt.regions.all().map(toRegion);
  }

  async row(region: string, collection: string, key: string): Promise<StoredRow | undefined> {
    const regionRow = this.stmt.region.get(region);
    if (!regionRow) return undefined;
    const row = this.stmt.rowState.get(regionRow.id, collection, key);
    if (!row || row.deleted === 1 || row.value === null) return undefined;
    return { collection, key, version: row.version, valueJson: row.value };
  }

  async rows(region: string, collection: string, after: string | null, limit: number): Promise<StoredRow[]> {
    const regionRow = this.stmt.region.get(region);
    if (!regionRow) return [];
    return this.stmt.liveRows
      .all(regionRow.id, collection, after ?? "", limit)
      .map((r) => ({ collection, key: r.key, version: r.version, valueJson: r.value }));
  }

  async changes(query: ChangesQuery): Promise<RawPage> {
    return this.readSnapshot(() => {
      const regionRow = this.stmt.region.get(query.region);
      const region = regionRow ? toRegion(regionRow) : emptyRegion(query.region);
      const reset = needsReset(region, query.since, query.epoch, query.resetHead);
      const from = reset ? 0 : (query.since ?? 0);
      if (!regionRow) return assemblePage(region, reset, [], { kind: "all", count: 0 });
      let rows = (reset ? this.stmt.liveAfter : this.stmt.changesAfter).all(regionRow.id, from, query.limit + 1);
      const cut = cutPage(
        rows.map((r) => r.version),
        query.limit,
        cutFloor(region, query),
      );
      if (cut.kind === "whole-version") rows = (reset ? this.stmt.liveUpTo : this.stmt.changesUpTo).all(regionRow.id, from, cut.version);
      return assemblePage(region, reset, rows, cut);
    });
  }

  async tombstoneHorizons(before: number): Promise<Array<{ region: string; version: number }>> {
    return this.stmt.tombstoneHorizons.all(before).map((r) => ({ region: r.name, version: r.version }));
  }

  async sweepIdempotency(before: number): Promise<number> {
    return this.stmt.sweep.run(before).changes;
  }

  onCommit(listener: CommitListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    this.listeners.clear();
    this.closeFile();
  }
}
