/**
 * verso's SQLite files say they are verso's: `PRAGMA application_id` (the header field
 * SQLite reserves for this) holds VERSO_APPLICATION_ID. Another application's file must
 * not be "migrated" into a verso database by a wrong --db, so a non-empty file that is
 * not verso's is refused before anything is written to it. Files made before the mark
 * existed are recognised by their schema version and verso's tables, and marked.
 */
import type Database from "better-sqlite3";

/** "VRSO" in ASCII. */
export const VERSO_APPLICATION_ID = 0x5652534f;

/** Tables every verso schema has had since its first version. */
const VERSO_TABLES = ["regions", "rows", "idempotency"];

export class NotVersoFileError extends Error {
  constructor(
    readonly path: string,
    reason: string,
  ) {
    super(`${path} is not a verso database (${reason}); verso leaves it as it is: point it at its own file`);
    this.name = "NotVersoFileError";
  }
}

/** Refuses a file that is neither new, nor verso's. Reads only. */
export function checkVersoFile(db: Database.Database, path: string): void {
  const id = db.pragma("application_id", { simple: true }) as number;
  if (id === VERSO_APPLICATION_ID) return;
  if (id !== 0) throw new NotVersoFileError(path, `application_id ${id}`);
  const version = db.pragma("user_version", { simple: true }) as number;
  const tables = db
    .prepare<[], string>("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
    .pluck()
    .all();
  if (version === 0 && tables.length === 0) return;
  if (version > 0 && VERSO_TABLES.every((table) => tables.includes(table))) return;
  const found = tables.length === 0 ? "no tables" : `table ${tables.slice(0, 5).join(", ")}${tables.length > 5 ? ", …" : ""}`;
  throw new NotVersoFileError(path, `user_version ${version}, ${found}`);
}

/** Marks the file as verso's (once its schema is in place). */
export function markVersoFile(db: Database.Database): void {
  if ((db.pragma("application_id", { simple: true }) as number) !== VERSO_APPLICATION_ID) {
    db.pragma(`application_id = ${VERSO_APPLICATION_ID}`);
  }
}
