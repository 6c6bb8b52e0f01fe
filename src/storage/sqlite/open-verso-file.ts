/**
 * Opens verso's own SQLite database, in this order: is it verso's (or new), is its
 * schema one this verso understands, does this process own it, are its pages sound; only
 * then is anything written (WAL mode, migrations, the application_id mark), so a file
 * that is refused is left as it was.
 */
import type Database from "better-sqlite3";
import { checkSchemaVersion, type MigrationStep, migrate } from "../../sqlite/migrate.js";
import { openDatabase, type SqliteOptions } from "../../sqlite/open-database.js";
import { ownDatabaseFile } from "./file-owner.js";
import { checkIntegrity } from "./integrity.js";
import { MIGRATIONS } from "./migrations.js";
import { checkVersoFile, markVersoFile } from "./verso-file.js";

export interface VersoFileOptions extends SqliteOptions {
  /** Skips PRAGMA quick_check at open, which reads the whole file (for huge files). */
  skipIntegrityCheck?: boolean;
  /** Hears each step of the upgrade chain run at open. */
  onMigration?: (step: MigrationStep) => void;
}

export interface VersoFile {
  db: Database.Database;
  /** Closes the database and gives up ownership of the file. */
  close: () => void;
}

export function openVersoFile(options: VersoFileOptions): VersoFile {
  let release = () => {};
  const db = openDatabase(options, (db) => {
    checkVersoFile(db, options.path);
    checkSchemaVersion(db, MIGRATIONS);
    // ":memory:" is private to its connection: nobody else can open it.
    if (options.path !== ":memory:") release = ownDatabaseFile(options.path);
    try {
      if (!options.skipIntegrityCheck) checkIntegrity(db, options.path);
    } catch (error) {
      release();
      throw error;
    }
  });
  const close = () => {
    if (db.open) db.close();
    release();
  };
  try {
    migrate(db, MIGRATIONS, options.onMigration);
    markVersoFile(db);
  } catch (error) {
    close();
    throw error;
  }
  return { db, close };
}
