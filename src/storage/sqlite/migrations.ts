/**
 * verso's SQLite schema, as an upgrade chain. `PRAGMA user_version` holds the schema
 * version; opening runs every step above it in one transaction, so a database written
 * by an older verso upgrades in place and a half-upgraded file cannot exist. A file
 * from a newer verso is refused rather than misread.
 */
import type { Migration } from "../../sqlite/migrate.js";

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: "regions with counter, epoch and floor; rows with versions and tombstones; idempotency records",
    up: (db) => {
      db.exec(`
        CREATE TABLE regions (
          id INTEGER PRIMARY KEY,
          name TEXT NOT NULL UNIQUE,
          epoch TEXT NOT NULL,
          version INTEGER NOT NULL,
          floor INTEGER NOT NULL DEFAULT 0,
          created_at INTEGER NOT NULL
        );
        CREATE TABLE rows (
          region_id INTEGER NOT NULL REFERENCES regions(id),
          collection TEXT NOT NULL,
          key TEXT NOT NULL,
          version INTEGER NOT NULL,
          deleted INTEGER NOT NULL DEFAULT 0,
          value TEXT,
          updated_at INTEGER NOT NULL,
          PRIMARY KEY (region_id, collection, key)
        ) WITHOUT ROWID;
        CREATE INDEX rows_by_version ON rows (region_id, version, collection, key);
        CREATE TABLE idempotency (
          key TEXT PRIMARY KEY,
          fingerprint TEXT NOT NULL,
          outcome TEXT NOT NULL,
          created_at INTEGER NOT NULL
        ) WITHOUT ROWID;
        CREATE INDEX idempotency_by_age ON idempotency (created_at);
      `);
    },
  },
  {
    version: 2,
    description: "scoped API tokens, stored as a hash of their secret",
    up: (db) => {
      db.exec(`
        CREATE TABLE tokens (
          id TEXT PRIMARY KEY,
          hash TEXT NOT NULL UNIQUE,
          name TEXT,
          role TEXT NOT NULL,
          regions TEXT NOT NULL,
          created_at INTEGER NOT NULL,
          revoked_at INTEGER
        ) WITHOUT ROWID;
      `);
    },
  },
  {
    version: 3,
    description: "tombstones indexed on their own, so retention and purges do not scan the live rows",
    up: (db) => {
      db.exec("CREATE INDEX rows_tombstones ON rows (region_id, version) WHERE deleted = 1");
    },
  },
  {
    version: 4,
    description: "schema versions per collection; each row records the schema version it was written under",
    up: (db) => {
      db.exec(`
        CREATE TABLE schemas (
          collection TEXT NOT NULL,
          version INTEGER NOT NULL,
          schema TEXT NOT NULL,
          compatibility TEXT NOT NULL,
          created_at INTEGER NOT NULL,
          PRIMARY KEY (collection, version)
        ) WITHOUT ROWID;
        ALTER TABLE rows ADD COLUMN schema_version INTEGER;
      `);
    },
  },
  {
    version: 5,
    description: "agents' status reports: what each agent of a region has applied and handled, and when it last reported",
    up: (db) => {
      db.exec(`
        CREATE TABLE agents (
          region TEXT NOT NULL,
          id TEXT NOT NULL,
          name TEXT,
          token_name TEXT,
          transport TEXT NOT NULL,
          applied INTEGER NOT NULL,
          handled INTEGER,
          last_seen INTEGER NOT NULL,
          PRIMARY KEY (region, id)
        ) WITHOUT ROWID;
        CREATE INDEX agents_by_id ON agents (id);
      `);
    },
  },
  {
    version: 6,
    description: "Replicache clients: each client's group and last mutation id, and the region version that last changed it",
    up: (db) => {
      db.exec(`
        CREATE TABLE replicache_clients (
          region TEXT NOT NULL,
          client_id TEXT NOT NULL,
          client_group_id TEXT NOT NULL,
          last_mutation_id INTEGER NOT NULL,
          version INTEGER NOT NULL,
          updated_at INTEGER NOT NULL,
          PRIMARY KEY (region, client_id)
        ) WITHOUT ROWID;
        CREATE INDEX replicache_clients_by_group ON replicache_clients (region, client_group_id, version);
      `);
    },
  },
  {
    version: 7,
    description: "rows record when their current life began and when the previous one ended",
    // Existing rows get their current version for both: the life began no later than
    // that, and any earlier life ended no later, so a reader older than the row treats
    // it as possibly held (see model/electric-shape.ts) instead of trusting a guess.
    up: (db) => {
      db.exec(`
        ALTER TABLE rows ADD COLUMN created_version INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE rows ADD COLUMN prior_end_version INTEGER;
        UPDATE rows SET created_version = version, prior_end_version = version;
      `);
    },
  },
];

export const SCHEMA_VERSION = MIGRATIONS.length;
