/**
 * Upgrade chains for SQLite files (verso's store, the agent's replica, the Restate feed
 * table): `PRAGMA user_version` holds the schema version; opening runs every step above
 * it in one transaction, so a half-upgraded file cannot exist, and a file from a newer
 * program is refused rather than misread.
 */
import type Database from "better-sqlite3";

export interface Migration {
  /** The schema version this step produces. */
  version: number;
  description: string;
  up: (db: Database.Database) => void;
}

export class SchemaTooNewError extends Error {
  constructor(
    readonly found: number,
    readonly known: number,
  ) {
    super(
      `database schema version ${found} is newer than this verso understands (${known}); ` +
        "upgrade verso or point it at another database",
    );
    this.name = "SchemaTooNewError";
  }
}

/** Returns the database's schema version; refuses one newer than the chain knows. Reads only. */
export function checkSchemaVersion(db: Database.Database, migrations: readonly Migration[]): number {
  const found = db.pragma("user_version", { simple: true }) as number;
  if (found > migrations.length) throw new SchemaTooNewError(found, migrations.length);
  return found;
}

/** A step of an upgrade chain that ran, told to whoever opened the database (the server logs it). */
export interface MigrationStep {
  version: number;
  description: string;
}

/**
 * Brings the database to the chain's last version; returns the version it found. `onStep`
 * hears each step once the whole upgrade has committed, never for one rolled back.
 */
export function migrate(db: Database.Database, migrations: readonly Migration[], onStep?: (step: MigrationStep) => void): number {
  const found = checkSchemaVersion(db, migrations);
  const target = migrations.length;
  if (found === target) return found;
  const steps = migrations.slice(found);
  db.transaction(() => {
    for (const step of steps) step.up(db);
    db.pragma(`user_version = ${target}`);
  }).immediate();
  for (const { version, description } of steps) onStep?.({ version, description });
  return found;
}
