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
        ${rowsTable("rows")}
        ${rowsTable("reset_rows")}
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
];

export const REPLICA_STATE_VERSION = REPLICA_MIGRATIONS.length;

/**
 * DDL of a rows table in the current state version. A finished reset swaps tables by
 * renaming and creates a fresh shadow with this, so a migration that changes the shape
 * of `rows` changes this too.
 */
export function rowsTable(name: string): string {
  return `CREATE TABLE ${name} (
    collection TEXT NOT NULL,
    key TEXT NOT NULL,
    version INTEGER NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (collection, key)
  ) WITHOUT ROWID;`;
}
