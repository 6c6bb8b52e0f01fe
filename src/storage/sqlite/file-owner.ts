/**
 * One process owns a verso SQLite file. Two servers on one file would each serve it, but
 * neither would hear the other's commits: long-polls and watch streams would miss
 * writes made through the other. The owner holds a write lock on a small SQLite file
 * beside the database (`verso.db.lock`) for as long as it has the database open, with
 * its pid and start time in it. The lock is SQLite's own (POSIX advisory locks), so the
 * kernel drops it when the owner dies, kill -9 included: there is no stale lock to clean
 * up and no pid to guess about. Another process finds the lock taken, reads who holds it
 * (reading is allowed while the lock is held) and refuses to start.
 *
 * Within one process the same file may be opened several times (tests run several API
 * nodes in one process); those share the lock.
 */
import { realpathSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import Database from "better-sqlite3";

/** How long to wait for a lock that another process is only briefly holding (both starting at once). */
const BUSY_MS = 1_000;

interface Owner {
  pid: number;
  started_at: string;
}

export class DatabaseInUseError extends Error {
  constructor(
    readonly path: string,
    readonly owner: Owner | undefined,
  ) {
    const who = owner ? `process ${owner.pid} (running since ${owner.started_at})` : "another process";
    super(`${path} is in use by ${who}: one process owns a verso SQLite file; stop that one first, or use another file`);
    this.name = "DatabaseInUseError";
  }
}

const held = new Map<string, { lock: Database.Database; users: number }>();

/** Takes the file for this process; the returned function gives it back (once). */
export function ownDatabaseFile(path: string): () => void {
  const lockPath = `${join(realpathSync(dirname(path)), basename(path))}.lock`;
  const shared = held.get(lockPath);
  if (shared) shared.users++;
  else held.set(lockPath, { lock: takeLock(path, lockPath), users: 1 });
  let released = false;
  return () => {
    if (released) return;
    released = true;
    const entry = held.get(lockPath);
    if (!entry || --entry.users > 0) return;
    held.delete(lockPath);
    // Closing the connection drops the lock.
    entry.lock.close();
  };
}

function takeLock(path: string, lockPath: string): Database.Database {
  const lock = new Database(lockPath, { timeout: BUSY_MS });
  try {
    lock.exec("CREATE TABLE IF NOT EXISTS owner (pid INTEGER NOT NULL, started_at TEXT NOT NULL)");
    lock.transaction(() => {
      lock.exec("DELETE FROM owner");
      lock.prepare("INSERT INTO owner (pid, started_at) VALUES (?, ?)").run(process.pid, new Date().toISOString());
    })();
    // Held until the connection closes: a write lock that lets others read the owner.
    lock.exec("BEGIN IMMEDIATE");
    return lock;
  } catch (error) {
    if ((error as { code?: unknown }).code !== "SQLITE_BUSY") {
      lock.close();
      throw error;
    }
    const owner = readOwner(lock);
    lock.close();
    throw new DatabaseInUseError(path, owner);
  }
}

function readOwner(lock: Database.Database): Owner | undefined {
  try {
    return lock.prepare<[], Owner>("SELECT pid, started_at FROM owner").get();
  } catch {
    return undefined;
  }
}
