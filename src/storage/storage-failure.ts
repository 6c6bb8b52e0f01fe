/**
 * Failures of the storage itself, as opposed to failures of one request: the disk or
 * database is full, or what is stored is damaged or cannot be read. Recognised by the
 * backends' own codes: SQLite result codes (better-sqlite3 puts them in `code`) and
 * PostgreSQL SQLSTATEs.
 */

export type StorageFailureKind = "full" | "damaged";

export interface StorageFailure {
  kind: StorageFailureKind;
  code: string;
  message: string;
}

const PG_FULL = new Set(["53100"]); // disk_full
const PG_DAMAGED = new Set(["XX001", "XX002", "58030"]); // data_corrupted, index_corrupted, io_error

export function storageFailure(error: unknown): StorageFailure | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== "string") return undefined;
  const message = (error as { message?: unknown }).message;
  const failure = (kind: StorageFailureKind) => ({ kind, code, message: typeof message === "string" ? message : code });
  if (code === "SQLITE_FULL" || PG_FULL.has(code)) return failure("full");
  if (code.startsWith("SQLITE_CORRUPT") || code === "SQLITE_NOTADB" || code.startsWith("SQLITE_IOERR") || PG_DAMAGED.has(code)) {
    return failure("damaged");
  }
  return undefined;
}
