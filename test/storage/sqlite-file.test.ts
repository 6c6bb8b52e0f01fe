/**
 * What verso accepts as its SQLite file: its own files (marked with application_id),
 * older ones made before the mark, new empty ones; never another application's file,
 * and never a file whose pages fail the integrity check.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { closeSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import Database from "better-sqlite3";
import type { WriteCommand } from "../../src/model/write-command.js";
import { migrate } from "../../src/sqlite/migrate.js";
import { MIGRATIONS } from "../../src/storage/sqlite/migrations.js";
import { SqliteStorage } from "../../src/storage/sqlite/sqlite-storage.js";
import { VERSO_APPLICATION_ID } from "../../src/storage/sqlite/verso-file.js";

const dir = mkdtempSync(join(tmpdir(), "verso-sqlite-file-"));
after(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
const newPath = () => join(dir, `db-${++files}.sqlite`);

function applicationId(path: string): number {
  const db = new Database(path, { readonly: true });
  try {
    return db.pragma("application_id", { simple: true }) as number;
  } finally {
    db.close();
  }
}

/** The bytes of a file and the names beside it: what "left untouched" means. */
function snapshot(path: string): { sha: string; names: string[] } {
  return {
    sha: createHash("sha256").update(readFileSync(path)).digest("hex"),
    names: readdirSync(dir)
      .filter((name) => name.startsWith(`${path.split("/").pop()}`))
      .sort(),
  };
}

const put = (key: string, value = '"v"'): WriteCommand => ({
  kind: "txn",
  form: "put",
  region: "r",
  ops: [{ op: "put", collection: "c", key, valueJson: value }],
});

describe("the SQLite file verso opens", () => {
  it("marks a new file as verso's", async () => {
    const path = newPath();
    await new SqliteStorage({ path }).close();
    assert.equal(applicationId(path), VERSO_APPLICATION_ID);
  });

  it("refuses another application's file and leaves it untouched", async () => {
    const path = newPath();
    const foreign = new Database(path);
    foreign.exec("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO users (name) VALUES ('ada')");
    foreign.close();
    const before = snapshot(path);
    assert.throws(() => new SqliteStorage({ path }), /is not a verso database .*table users/);
    assert.deepEqual(snapshot(path), before);
  });

  it("refuses a file marked by another application, even with verso's tables", async () => {
    const path = newPath();
    const other = new Database(path);
    migrate(other, MIGRATIONS);
    other.pragma("application_id = 1234");
    other.close();
    const before = snapshot(path);
    assert.throws(() => new SqliteStorage({ path }), /is not a verso database .*application_id 1234/);
    assert.deepEqual(snapshot(path), before);
  });

  it("opens a verso file made before the mark, keeps its data and marks it", async () => {
    const path = newPath();
    const old = new Database(path);
    migrate(old, MIGRATIONS.slice(0, 2));
    old.close();
    assert.equal(applicationId(path), 0);
    const storage = new SqliteStorage({ path });
    await storage.write([put("k")]);
    await storage.close();
    assert.equal(applicationId(path), VERSO_APPLICATION_ID);
    const reopened = new SqliteStorage({ path });
    assert.equal((await reopened.row("r", "c", "k"))?.version, 1);
    await reopened.close();
  });

  it("refuses a file whose later pages are garbage at start, unless asked to skip the check", async () => {
    const path = newPath();
    const storage = new SqliteStorage({ path });
    for (let batch = 0; batch < 20; batch++) {
      await storage.write(Array.from({ length: 50 }, (_, i) => put(`key-${batch}-${i}`, JSON.stringify("x".repeat(200)))));
    }
    await storage.close();
    const pageSize = 4096;
    const size = statSync(path).size;
    assert.ok(size > 20 * pageSize, `the file spans many pages (${size} bytes)`);
    // Page 1 (header and schema) stays valid; every later page becomes noise.
    const fd = openSync(path, "r+");
    const noise = Buffer.alloc(size - pageSize, 0xa5);
    writeSync(fd, noise, 0, noise.length, pageSize);
    closeSync(fd);

    assert.throws(() => new SqliteStorage({ path }), /fails its integrity check.*skip-integrity-check/s);
    const unchecked = new SqliteStorage({ path, skipIntegrityCheck: true });
    await unchecked.close();
  });
});
