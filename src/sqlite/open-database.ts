import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";

export type Synchronous = "full" | "normal";

export interface SqliteOptions {
  /** A file path, or ":memory:" for a throwaway database. */
  path: string;
  /**
   * "full" (default): an acknowledged write survives power loss. "normal": it survives
   * a crash of the process but the last commits may be lost on power loss.
   */
  synchronous?: Synchronous;
}

/**
 * Opens (creating folders as needed) a SQLite database tuned for verso's write pattern.
 * `check` runs before anything is changed (switching to WAL rewrites the file header), so
 * a file it refuses is left as it was; the connection is closed on any failure.
 */
export function openDatabase(options: SqliteOptions, check: (db: Database.Database) => void = () => {}): Database.Database {
  if (options.path !== ":memory:") mkdirSync(dirname(options.path), { recursive: true });
  const db = new Database(options.path);
  try {
    check(db);
    db.pragma("journal_mode = WAL");
    db.pragma(`synchronous = ${options.synchronous === "normal" ? "NORMAL" : "FULL"}`);
    db.pragma("busy_timeout = 5000");
    db.pragma("cache_size = -65536");
    db.pragma("temp_store = MEMORY");
  } catch (error) {
    db.close();
    throw error;
  }
  return db;
}

/**
 * A read-only connection to a file another connection writes in WAL mode: its reads see
 * the last commit and never take the writer's lock, so they neither wait for the writer
 * nor hold it up (beyond checkpoints that wait for a long read to end).
 */
export function openReadOnly(path: string): Database.Database {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    db.pragma("busy_timeout = 5000");
    db.pragma("cache_size = -16384");
  } catch (error) {
    db.close();
    throw error;
  }
  return db;
}
