/**
 * The replica file: a region's live rows in local SQLite plus the feed position. Each
 * page is applied with its new position in ONE transaction, so a killed agent restarts
 * exactly where it stopped. A reset is built in a shadow table across its pages (each
 * page still its own durable transaction) and swapped in with the last one, so readers
 * never see a half-built replica.
 *
 * Readers use their own connection (replica-reader.ts).
 *
 * A delete leaves a tombstone (value NULL) at its version, so the file can serve its
 * own change feed from any cursor at or above its floor. After a reset the file knows
 * only the state at the reset's cursor, which becomes its floor; tombstones older than
 * the retention are compacted away, raising the floor (compactTombstones).
 *
 * The changes a page makes visible go, in the same transaction, into a journal; they
 * leave it only when their handlers have finished (`markHandled`), so a kill between
 * applying and handling re-delivers them instead of losing them.
 */
import type Database from "better-sqlite3";
import type { FeedPosition } from "../protocol/feed-position.js";
import type { SchemaSelection } from "../protocol/schemas.js";
import type { Json, Page } from "../protocol/types.js";
import { checkSchemaVersion, migrate } from "../sqlite/migrate.js";
import { openDatabase } from "../sqlite/open-database.js";
import { REPLICA_MIGRATIONS, rowsIndexes, rowsTable } from "./replica-schema.js";

/** A change that became visible to readers. Deletes found by a reset carry the reset's cursor as version. */
export type ChangeOp =
  | { op: "put"; collection: string; key: string; version: number; value: Json }
  | { op: "del"; collection: string; key: string; version: number };

export interface ReplicaState {
  epoch: string | undefined;
  cursor: number | undefined;
  head: number;
  reset: { epoch: string; cursor: number; head: number } | undefined;
  /** Journal sequence number up to which every change has been handled. */
  handled: number;
  /** Changes after this version can be served as a feed (tombstones at or below it may be gone). */
  floor: number;
}

export interface Applied {
  /** Changes this page put into the journal. */
  journaled: number;
  /** A reset was swapped in by this page. */
  reset: boolean;
}

/** A journaled change waiting for its handlers. */
export interface PendingChange {
  seq: number;
  change: ChangeOp;
}

interface StateRow {
  region: string;
  server: string;
  epoch: string | null;
  cursor: number | null;
  head: number;
  reset_epoch: string | null;
  reset_cursor: number | null;
  reset_head: number | null;
  handled: number;
  floor: number;
  schemas: string;
  agent_id: string | null;
}

export class ReplicaMismatchError extends Error {
  override name = "ReplicaMismatchError";
}

export class ReplicaStore {
  private readonly db: Database.Database;
  private readonly sql;
  private current: ReplicaState;
  /** Names this replica to the server; made once with the file and kept in it. */
  readonly agentId: string;
  readonly applyPage: (page: Page, wantChanges: boolean) => Applied;
  /** Advances the handled position to `seq` and trims the journal up to it, in one transaction. */
  readonly markHandled: (seq: number) => void;
  private readonly compact: (before: number) => number;

  /**
   * `schemas` are the schema versions the replica holds values at. A file kept at other
   * versions is rebuilt: its position is dropped, so the next page is a reset, whose
   * rows replace the old ones in one swap (readers see the old values until then).
   */
  constructor(path: string, region: string, server: string, schemas: SchemaSelection = {}) {
    // NORMAL is enough: a replica can always be fetched again, and a lost tail of
    // commits only rewinds the cursor to a consistent earlier state.
    // The schema check comes first: a file from a newer agent is refused before it is
    // touched (switching to WAL would rewrite its header and leave -wal/-shm files).
    this.db = openDatabase({ path, synchronous: "normal" }, (db) => checkSchemaVersion(db, REPLICA_MIGRATIONS));
    const db = this.db;
    try {
      migrate(db, REPLICA_MIGRATIONS);
      const found = db.prepare<[], StateRow>("SELECT * FROM replica_state WHERE id = 1").get();
      const selection = canonicalSelection(schemas);
      if (!found) {
        db.prepare(
          "INSERT INTO replica_state (id, region, server, schemas, agent_id) VALUES (1, ?, ?, ?, 'agt_' || lower(hex(randomblob(9))))",
        ).run(region, server, selection);
      } else if (found.region !== region) {
        throw new ReplicaMismatchError(`${path} replicates region ${found.region}, not ${region}`);
      } else if (found.schemas !== selection) {
        db.transaction(() => {
          db.prepare("DELETE FROM reset_rows").run();
          db.prepare(
            "UPDATE replica_state SET schemas = ?, epoch = NULL, cursor = NULL, reset_epoch = NULL, reset_cursor = NULL, reset_head = NULL WHERE id = 1",
          ).run(selection);
        })();
      }
      this.agentId = db.prepare<[], { agent_id: string }>("SELECT agent_id FROM replica_state WHERE id = 1").get()?.agent_id ?? "";
    } catch (error) {
      db.close();
      throw error;
    }
    this.sql = {
      state: db.prepare<[], StateRow>("SELECT * FROM replica_state WHERE id = 1"),
      setPosition: db.prepare<[string, number, number]>("UPDATE replica_state SET epoch = ?, cursor = ?, head = ? WHERE id = 1"),
      setReset: db.prepare<[string | null, number | null, number | null, number]>(
        "UPDATE replica_state SET reset_epoch = ?, reset_cursor = ?, reset_head = ?, head = ? WHERE id = 1",
      ),
      setServer: db.prepare<[string]>("UPDATE replica_state SET server = ? WHERE id = 1"),
      setFloor: db.prepare<[number]>("UPDATE replica_state SET floor = ? WHERE id = 1"),
      count: db.prepare<[], { n: number }>("SELECT count(*) AS n FROM rows WHERE value IS NOT NULL"),
      put: db.prepare<[string, string, number, string, number | null]>(
        `INSERT INTO rows (collection, key, version, value, schema_version) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (collection, key) DO UPDATE SET version = excluded.version, value = excluded.value,
           schema_version = excluded.schema_version, deleted_at = NULL`,
      ),
      // A delete of a live row (its count says whether readers saw a change) ...
      delLive: db.prepare<[number, number, string, string]>(
        "UPDATE rows SET version = ?, value = NULL, schema_version = NULL, deleted_at = ? WHERE collection = ? AND key = ? AND value IS NOT NULL",
      ),
      // ... or of one the replica never had or already had deleted: the tombstone is kept
      // all the same, so the file's feed carries every delete the server's did.
      tombstone: db.prepare<[string, string, number, number]>(
        `INSERT INTO rows (collection, key, version, value, deleted_at) VALUES (?, ?, ?, NULL, ?)
         ON CONFLICT (collection, key) DO UPDATE SET version = excluded.version, deleted_at = excluded.deleted_at`,
      ),
      newestExpiredTombstone: db.prepare<[number], { v: number | null }>(
        "SELECT max(version) AS v FROM rows WHERE value IS NULL AND deleted_at <= ?",
      ),
      purgeTombstones: db.prepare<[number]>("DELETE FROM rows WHERE value IS NULL AND version <= ?"),
      shadowPut: db.prepare<[string, string, number, string, number | null]>(
        `INSERT INTO reset_rows (collection, key, version, value, schema_version) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (collection, key) DO UPDATE SET version = excluded.version, value = excluded.value,
           schema_version = excluded.schema_version`,
      ),
      shadowDel: db.prepare<[string, string]>("DELETE FROM reset_rows WHERE collection = ? AND key = ?"),
      shadowClear: db.prepare("DELETE FROM reset_rows"),
      // What a reset changes for readers: rows new or different in the shadow, and rows it lacks.
      // It is journaled inside SQLite (rowids follow ORDER BY), so a large reset is never held in memory.
      journalDiffPuts: db.prepare(
        `INSERT INTO journal (change)
         SELECT json_object('op', 'put', 'collection', n.collection, 'key', n.key, 'version', n.version, 'value', json(n.value))
         FROM reset_rows n
         LEFT JOIN rows o ON o.collection = n.collection AND o.key = n.key AND o.value IS NOT NULL
         WHERE o.key IS NULL OR o.version <> n.version OR o.value <> n.value
         ORDER BY n.version, n.collection, n.key`,
      ),
      journalDiffDels: db.prepare<[number]>(
        `INSERT INTO journal (change)
         SELECT json_object('op', 'del', 'collection', o.collection, 'key', o.key, 'version', ?) FROM rows o
         WHERE o.value IS NOT NULL AND NOT EXISTS (SELECT 1 FROM reset_rows n WHERE n.collection = o.collection AND n.key = o.key)
         ORDER BY o.collection, o.key`,
      ),
      journal: db.prepare<[string]>("INSERT INTO journal (change) VALUES (?)"),
      pending: db.prepare<[number, number], { seq: number; change: string }>(
        "SELECT seq, change FROM journal WHERE seq > ? ORDER BY seq LIMIT ?",
      ),
      pendingCount: db.prepare<[], { n: number }>("SELECT count(*) AS n FROM journal"),
      trim: db.prepare<[number]>("DELETE FROM journal WHERE seq <= ?"),
      setHandled: db.prepare<[number]>("UPDATE replica_state SET handled = ? WHERE id = 1"),
    };
    this.sql.setServer.run(server);
    this.current = this.readState();
    this.applyPage = db.transaction((page: Page, wantChanges: boolean) => this.apply(page, wantChanges));
    this.compact = db.transaction((before: number) => {
      const expired = this.sql.newestExpiredTombstone.get(before)?.v ?? null;
      if (expired === null) return 0;
      const floor = Math.max(this.current.floor, Math.min(expired, this.current.cursor ?? 0));
      const purged = this.sql.purgeTombstones.run(floor).changes;
      if (floor !== this.current.floor) this.sql.setFloor.run(floor);
      this.current = { ...this.current, floor };
      return purged;
    });
    this.markHandled = db.transaction((seq: number) => {
      if (seq <= this.current.handled) return;
      this.sql.trim.run(seq);
      this.sql.setHandled.run(seq);
      this.current = { ...this.current, handled: seq };
    });
  }

  /** Journaled changes after the handled position, oldest first, at most `limit`. */
  pending(limit: number): PendingChange[] {
    return this.sql.pending.all(this.current.handled, limit).map((row) => ({ seq: row.seq, change: JSON.parse(row.change) as ChangeOp }));
  }

  /** How many changes wait in the journal. */
  pendingCount(): number {
    return this.sql.pendingCount.get()?.n ?? 0;
  }

  get state(): ReplicaState {
    return this.current;
  }

  /** Where the feed continues: inside an unfinished reset, or after the visible rows. */
  get position(): FeedPosition {
    const { reset, epoch, cursor } = this.current;
    if (reset) return { since: reset.cursor, epoch: reset.epoch, resetHead: reset.head };
    return { ...(cursor !== undefined && { since: cursor }), ...(epoch !== undefined && { epoch }) };
  }

  /** Records the head a heartbeat reported (not part of any page). */
  noteHead(head: number): void {
    if (head === this.current.head) return;
    this.db.prepare("UPDATE replica_state SET head = ? WHERE id = 1").run(head);
    this.current = { ...this.current, head };
  }

  /**
   * Purges the tombstones applied before `before` (ms since the epoch) and raises the
   * floor to the newest of them, as the server's age compaction does: a feed reader
   * whose cursor is below the new floor is then answered with a reset. Returns how many
   * were purged.
   */
  compactTombstones(before: number): number {
    return this.compact(before);
  }

  /** Live rows (tombstones are not counted). */
  count(): number {
    return this.sql.count.get()?.n ?? 0;
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  private apply(page: Page, wantChanges: boolean): Applied {
    let reset = this.current.reset;
    if (page.reset) {
      this.sql.shadowClear.run();
      reset = { epoch: page.epoch, cursor: page.cursor, head: page.head };
    }
    let journaled = 0;
    const now = Date.now();
    const journal = (change: ChangeOp) => {
      this.sql.journal.run(JSON.stringify(change));
      journaled++;
    };
    for (const op of page.ops) {
      if (op.op === "clear") {
        if (!reset) throw new Error("a clear op outside a reset page");
        this.sql.shadowClear.run();
      } else if (reset) {
        // The shadow holds live rows only: once swapped in, the floor is the reset's cursor,
        // so no tombstone at or below it is ever served.
        if (op.op === "put") this.sql.shadowPut.run(op.collection, op.key, op.version, JSON.stringify(op.value), op.schema ?? null);
        else this.sql.shadowDel.run(op.collection, op.key);
      } else if (op.op === "put") {
        this.sql.put.run(op.collection, op.key, op.version, JSON.stringify(op.value), op.schema ?? null);
        if (wantChanges) journal({ op: "put", collection: op.collection, key: op.key, version: op.version, value: op.value });
      } else if (this.sql.delLive.run(op.version, now, op.collection, op.key).changes > 0) {
        if (wantChanges) journal({ op: "del", collection: op.collection, key: op.key, version: op.version });
      } else {
        this.sql.tombstone.run(op.collection, op.key, op.version, now);
      }
    }
    if (!reset) {
      this.sql.setPosition.run(page.epoch, page.cursor, page.head);
    } else if (page.more) {
      this.sql.setReset.run(reset.epoch, page.cursor, reset.head, page.head);
    } else {
      if (wantChanges) {
        journaled += this.sql.journalDiffPuts.run().changes;
        journaled += this.sql.journalDiffDels.run(page.cursor).changes;
      }
      this.db.exec(
        `ALTER TABLE rows RENAME TO rows_old; ALTER TABLE reset_rows RENAME TO rows; DROP TABLE rows_old; ${rowsTable("reset_rows")} ${rowsIndexes}`,
      );
      this.sql.setReset.run(null, null, null, page.head);
      this.sql.setPosition.run(reset.epoch, page.cursor, page.head);
      // The file now knows the region only as it was at the reset's cursor.
      this.sql.setFloor.run(page.cursor);
    }
    this.current = this.readState();
    return { journaled, reset: reset !== undefined && !page.more };
  }

  private readState(): ReplicaState {
    const row = this.sql.state.get();
    if (!row) throw new Error("replica state row is missing");
    const reset =
      row.reset_epoch !== null && row.reset_cursor !== null && row.reset_head !== null
        ? { epoch: row.reset_epoch, cursor: row.reset_cursor, head: row.reset_head }
        : undefined;
    return {
      epoch: row.epoch ?? undefined,
      cursor: row.cursor ?? undefined,
      head: row.head,
      reset,
      handled: row.handled,
      floor: row.floor,
    };
  }
}

/** A selection as stored: keys sorted, so the same selection always compares equal. */
function canonicalSelection(schemas: SchemaSelection): string {
  return JSON.stringify(Object.fromEntries(Object.entries(schemas).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))));
}
