/**
 * A damaged file is refused at start rather than found by the first request that reads a
 * damaged page. `quick_check` reads every page (it skips only the index-content
 * comparison of integrity_check), so its cost grows with the file: huge files may skip it.
 */
import type Database from "better-sqlite3";

/** Problems quick_check reports before it stops: enough to say what is wrong. */
const MAX_REPORTED = 10;

export class CorruptDatabaseError extends Error {
  constructor(
    readonly path: string,
    readonly problems: string[],
  ) {
    super(
      `${path} fails its integrity check (PRAGMA quick_check): ${problems.slice(0, 3).join("; ")}` +
        `${problems.length > 3 ? ` (and ${problems.length - 3} more)` : ""}. ` +
        "Restore it from a backup; to start on it anyway, skip the check (verso serve --skip-integrity-check)",
    );
    this.name = "CorruptDatabaseError";
  }
}

export function checkIntegrity(db: Database.Database, path: string): void {
  let problems: string[];
  try {
    problems = db.prepare<[], string>(`PRAGMA quick_check(${MAX_REPORTED})`).pluck().all();
  } catch (error) {
    // Damage bad enough stops the check itself.
    const code = (error as { code?: unknown }).code;
    if (typeof code === "string" && (code.startsWith("SQLITE_CORRUPT") || code === "SQLITE_NOTADB")) {
      throw new CorruptDatabaseError(path, [(error as Error).message]);
    }
    throw error;
  }
  if (problems.length === 1 && problems[0] === "ok") return;
  throw new CorruptDatabaseError(path, problems);
}
