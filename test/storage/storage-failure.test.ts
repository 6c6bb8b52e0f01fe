/** Which backend errors are failures of the storage itself, and what HTTP answer a full database gets. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import pg from "pg";
import { toVersoError } from "../../src/server/error-mapping.js";
import { storageFailure } from "../../src/storage/storage-failure.js";

function pgError(code: string, message: string): pg.DatabaseError {
  return Object.assign(new pg.DatabaseError(message, 0, "error"), { code });
}

function sqliteError(code: string, message: string): Error {
  return Object.assign(new Error(message), { code });
}

describe("storage failures", () => {
  it("a full database on either backend is 507 insufficient_storage", () => {
    const logs: string[] = [];
    for (const error of [
      pgError("53100", 'could not extend file "base/16384/16385": No space left on device'),
      sqliteError("SQLITE_FULL", "database or disk is full"),
    ]) {
      assert.equal(storageFailure(error)?.kind, "full");
      const mapped = toVersoError(error, (line) => logs.push(line));
      assert.equal(mapped.code, "insufficient_storage");
      assert.equal(mapped.status, 507);
    }
    assert.equal(logs.length, 2, "the cause is logged");
  });

  it("damage and I/O errors are failures of the storage; a request's own errors are not", () => {
    for (const error of [
      pgError("XX001", "invalid page in block 7"),
      pgError("58030", "could not read block"),
      sqliteError("SQLITE_CORRUPT", "database disk image is malformed"),
      sqliteError("SQLITE_IOERR_READ", "disk I/O error"),
      sqliteError("SQLITE_NOTADB", "file is not a database"),
    ]) {
      assert.equal(storageFailure(error)?.kind, "damaged", String(error));
    }
    for (const error of [pgError("23505", "duplicate key"), sqliteError("SQLITE_BUSY", "database is locked"), new Error("x"), undefined]) {
      assert.equal(storageFailure(error), undefined);
    }
    assert.equal(toVersoError(pgError("23505", "duplicate key"), () => {}).code, "internal");
  });
});
