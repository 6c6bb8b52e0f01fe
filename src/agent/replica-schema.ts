/**
 * Schema of an agent's replica file, as an upgrade chain run by the same `migrate` as
 * the server's database: `PRAGMA user_version` is the state version, older files are
 * upgraded in one transaction on open, newer ones are refused.
 */
import type { Migration } from "../sqlite/migrate.js";

export const REPLICA_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: "replicated rows, the shadow table a reset is built in, and the feed position",
    up: (db) => {
      db.exec(`
        CREATE TABLE replica_state (
          id INTEGER PRIMARY KEY CHECK (id = 1),
          region TEXT NOT NULL,
          server TEXT NOT NULL,
          -- position of the rows readers see; cursor NULL = nothing applied yet
          epoch TEXT,
          cursor INTEGER,
          head INTEGER NOT NULL DEFAULT 0,
          -- a reset being built in reset_rows: its epoch, cursor so far and first page's head
          reset_epoch TEXT,
          reset_cursor INTEGER,
          reset_head INTEGER
        );
        ${V1_ROWS("rows")}
        ${V1_ROWS("reset_rows")}
      `);
    },
  },
  {
    version: 2,
    description: "journal of changes not yet handled, and the handled position (at-least-once delivery)",
    up: (db) => {
      // AUTOINCREMENT: sequence numbers never repeat, even after the journal was emptied,
      // so `handled` stays comparable with every later entry.
      db.exec(`
        ALTER TABLE replica_state ADD COLUMN handled INTEGER NOT NULL DEFAULT 0;
        CREATE TABLE journal (
          seq INTEGER PRIMARY KEY AUTOINCREMENT,
          change TEXT NOT NULL
        );
      `);
    },
  },
  {
    version: 3,
    description: "the schema versions the replica holds its values at (Verso-Schema); another selection rebuilds it",
    up: (db) => {
      db.exec("ALTER TABLE replica_state ADD COLUMN schemas TEXT NOT NULL DEFAULT '{}'");
    },
  },
  {
    version: 4,
    description: "the agent's id, stable across restarts, under which it reports its progress to the server",
    up: (db) => {
      db.exec(`
        ALTER TABLE replica_state ADD COLUMN agent_id TEXT;
        UPDATE replica_state SET agent_id = 'agt_' || lower(hex(randomblob(9)));
      `);
    },
  },
  {
    version: 5,
    description: "deletes kept as tombstones with their version, and the replica's floor, so the listener serves the change feed",
    up: (db) => {
      // The file kept no deletes so far: it can serve changes only from its cursor on.
      db.exec(`
        ALTER TABLE replica_state ADD COLUMN floor INTEGER NOT NULL DEFAULT 0;
        UPDATE replica_state SET floor = coalesce(cursor, 0);
        ALTER TABLE rows RENAME TO rows_v4;
        ${rowsTable("rows")}
        ${rowsIndexes}
        INSERT INTO rows (collection, key, version, value) SELECT collection, key, version, value FROM rows_v4;
        DROP TABLE rows_v4;
        ALTER TABLE reset_rows RENAME TO reset_rows_v4;
        ${rowsTable("reset_rows")}
        INSERT INTO reset_rows (collection, key, version, value) SELECT collection, key, version, value FROM reset_rows_v4;
        DROP TABLE reset_rows_v4;
      `);
    },
  },
];

export const REPLICA_STATE_VERSION = REPLICA_MIGRATIONS.length;

/** The rows tables as state version 1 made them (kept as written: later steps rebuild them). */
function V1_ROWS(name: string): string {
  return `CREATE TABLE ${name} (
    collection TEXT NOT NULL,
    key TEXT NOT NULL,
    version INTEGER NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (collection, key)
  ) WITHOUT ROWID;`;
}

/**
 * DDL of a rows table in the current state version. A finished reset swaps tables by
 * renaming and creates a fresh shadow with this, so a migration that changes the shape
 * of `rows` changes this too.
 *
 * A row whose `value` is NULL is a tombstone: the key was deleted at `version`, which
 * `deleted_at` (ms since the epoch, when the agent applied it) dates for compaction.
 * `schema_version` is the schema version the value is held at (NULL: none).
 */
export function rowsTable(name: string): string {
  return `CREATE TABLE ${name} (
    collection TEXT NOT NULL,
    key TEXT NOT NULL,
    version INTEGER NOT NULL,
    value TEXT,
    schema_version INTEGER,
    deleted_at INTEGER,
    PRIMARY KEY (collection, key)
  ) WITHOUT ROWID;`;
}

/**
 * Indexes of the visible `rows` (the feed reads by version, compaction finds old
 * tombstones). The shadow has none: it is filled in key order and indexed once, when a
 * finished reset swaps it in (an index name stays with its table through a rename).
 */
export const rowsIndexes = `
  CREATE INDEX rows_by_version ON rows (version, collection, key);
  CREATE INDEX rows_tombstones ON rows (deleted_at) WHERE value IS NULL;
`;
