import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { after, describe, it } from "node:test";
import Database from "better-sqlite3";
import { type Migration, migrate, SchemaTooNewError } from "../../src/sqlite/migrate.js";
import { openDatabase } from "../../src/sqlite/open-database.js";
import { MIGRATIONS, SCHEMA_VERSION } from "../../src/storage/sqlite/migrations.js";
import { SqliteStorage } from "../../src/storage/sqlite/sqlite-storage.js";
import { TOMBSTONE_QUERIES } from "../../src/storage/sqlite/statements.js";

const dir = mkdtempSync(join(tmpdir(), "verso-migrations-"));
after(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
const newPath = () => join(dir, `db-${++files}.sqlite`);

/** The real chain followed by two later steps, standing in for a future verso's upgrades. */
function futureChain(calls: number[] = []): Migration[] {
  const count = (version: number) => calls.push(version);
  return [
    ...MIGRATIONS.map((m) => ({
      ...m,
      up: (db: Database.Database) => {
        count(m.version);
        m.up(db);
      },
    })),
    {
      version: SCHEMA_VERSION + 1,
      description: "a note on every region",
      up: (db) => {
        count(SCHEMA_VERSION + 1);
        db.exec("ALTER TABLE regions ADD COLUMN note TEXT NOT NULL DEFAULT ''");
      },
    },
    {
      version: SCHEMA_VERSION + 2,
      description: "rows by update time",
      up: (db) => {
        count(SCHEMA_VERSION + 2);
        db.exec("CREATE INDEX rows_by_age ON rows (updated_at)");
      },
    },
  ];
}

function userVersion(db: Database.Database): number {
  return db.pragma("user_version", { simple: true }) as number;
}

function schema(db: Database.Database): string[] {
  return db
    .prepare<[], { sql: string }>("SELECT sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY name")
    .all()
    .map((r) => r.sql);
}

function fingerprintFiles(path: string): { bytes: string; files: string[] } {
  return {
    bytes: createHash("sha256").update(readFileSync(path)).digest("hex"),
    files: readdirSync(dir)
      .filter((f) => f.replace(/-(wal|shm|journal)$/, "") === basename(path))
      .sort(),
  };
}

describe("SQLite schema upgrades", () => {
  it("a new database gets the whole chain and records its version", async () => {
    const path = newPath();
    const storage = new SqliteStorage({ path });
    await storage.close();
    const db = new Database(path);
    assert.equal(userVersion(db), SCHEMA_VERSION);
    const tables = db.prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all();
    assert.deepEqual(
      tables.map((t) => t.name),
      ["agents", "idempotency", "regions", "replicache_clients", "rows", "schemas", "tokens"],
    );
    db.close();
  });

  it("a database at any older version runs exactly the missing steps and ends like a new one", () => {
    const fresh = new Database(":memory:");
    migrate(fresh, futureChain());
    const expected = schema(fresh);
    fresh.close();
    const chain = futureChain();
    for (let k = 0; k <= chain.length; k++) {
      const db = new Database(":memory:");
      assert.equal(migrate(db, chain.slice(0, k)), 0);
      assert.equal(userVersion(db), k);
      const calls: number[] = [];
      assert.equal(migrate(db, futureChain(calls)), k, "migrate reports the version it found");
      assert.deepEqual(
        calls,
        chain.slice(k).map((m) => m.version),
        `from version ${k}`,
      );
      assert.equal(userVersion(db), chain.length);
      assert.deepEqual(schema(db), expected, `from version ${k}`);
      db.close();
    }
  });

  it("keeps the data an older verso wrote", async () => {
    const path = newPath();
    const storage = new SqliteStorage({ path });
    await storage.write([{ kind: "txn", form: "put", region: "r", ops: [{ op: "put", collection: "c", key: "k", valueJson: '"v"' }] }]);
    await storage.close();
    const db = openDatabase({ path });
    assert.equal(migrate(db, futureChain()), SCHEMA_VERSION);
    assert.deepEqual(db.prepare("SELECT name, version, note FROM regions").all(), [{ name: "r", version: 1, note: "" }]);
    assert.deepEqual(db.prepare("SELECT collection, key, version, value FROM rows").all(), [
      { collection: "c", key: "k", version: 1, value: '"v"' },
    ]);
    db.close();
  });

  it("upgrades in one transaction: a failing step leaves the database at its old version", () => {
    const path = newPath();
    const db = openDatabase({ path });
    migrate(db, MIGRATIONS);
    db.prepare("INSERT INTO regions (name, epoch, version, floor, created_at) VALUES ('r', 'e', 3, 0, 0)").run();
    const before = schema(db);
    const broken: Migration[] = [
      ...futureChain(),
      {
        version: SCHEMA_VERSION + 3,
        description: "fails halfway",
        up: (d) => {
          d.exec("CREATE TABLE half (x)");
          throw new Error("disk says no");
        },
      },
    ];
    assert.throws(() => migrate(db, broken), /disk says no/);
    assert.equal(userVersion(db), SCHEMA_VERSION);
    assert.deepEqual(schema(db), before, "the steps before the failure were rolled back too");
    assert.deepEqual(db.prepare("SELECT name, version FROM regions").all(), [{ name: "r", version: 3 }]);
    db.close();
  });

  it("an up-to-date database runs no step", () => {
    const db = new Database(":memory:");
    migrate(db, futureChain());
    const calls: number[] = [];
    assert.equal(migrate(db, futureChain(calls)), SCHEMA_VERSION + 2);
    assert.deepEqual(calls, []);
    db.close();
  });

  for (const mode of ["wal", "delete"] as const) {
    it(`a database from a newer verso is refused and left untouched (${mode} journal)`, () => {
      const path = newPath();
      const db = new Database(path);
      db.pragma(`journal_mode = ${mode}`);
      migrate(db, futureChain());
      db.prepare("INSERT INTO regions (name, epoch, version, floor, created_at, note) VALUES ('r', 'e', 7, 0, 0, 'n')").run();
      db.close();
      const before = fingerprintFiles(path);
      assert.throws(
        () => new SqliteStorage({ path }),
        (error: unknown) => {
          assert.ok(error instanceof SchemaTooNewError);
          assert.equal(
            error.message,
            `database schema version ${SCHEMA_VERSION + 2} is newer than this verso understands (${SCHEMA_VERSION}); upgrade verso or point it at another database`,
          );
          assert.deepEqual([error.found, error.known], [SCHEMA_VERSION + 2, SCHEMA_VERSION]);
          return true;
        },
      );
      assert.deepEqual(fingerprintFiles(path), before, "same bytes, and no connection left holding -wal/-shm files");
      const check = new Database(path, { readonly: true });
      assert.equal(userVersion(check), SCHEMA_VERSION + 2);
      assert.equal(check.pragma("journal_mode", { simple: true }), mode);
      check.close();
    });
  }

  it("tombstone retention and purges search the tombstone index, not the whole rows table", async () => {
    const path = newPath();
    const storage = new SqliteStorage({ path });
    await storage.close();
    const db = new Database(path);
    const plan = (sql: string, ...params: number[]) =>
      db
        .prepare<number[], { detail: string }>(`EXPLAIN QUERY PLAN ${sql}`)
        .all(...params)
        .map((r) => r.detail);
    assert.ok(
      schema(db).includes("CREATE INDEX rows_tombstones ON rows (region_id, version) WHERE deleted = 1"),
      "migration 3 creates the partial index",
    );
    const purge = plan(TOMBSTONE_QUERIES.purge, 1, 5);
    assert.ok(
      purge.some((d) => /^SEARCH rows USING INDEX rows_tombstones \(region_id=\? AND version<\?\)/.test(d)),
      purge.join("; "),
    );
    const horizons = plan(TOMBSTONE_QUERIES.horizons, 0);
    assert.ok(
      horizons.some((d) => /^SCAN r USING INDEX rows_tombstones/.test(d)),
      horizons.join("; "),
    );
    assert.ok(!horizons.some((d) => /^SCAN r$/.test(d)), "never a scan of the table itself");
    db.close();
  });

  it("migrate with a shorter chain names that chain's version", () => {
    const db = new Database(":memory:");
    migrate(db, futureChain());
    assert.throws(
      () => migrate(db, MIGRATIONS),
      (error: unknown) => error instanceof SchemaTooNewError && error.known === SCHEMA_VERSION,
    );
    assert.throws(
      () => migrate(db, futureChain().slice(0, SCHEMA_VERSION + 1)),
      new RegExp(`newer than this verso understands \\(${SCHEMA_VERSION + 1}\\)`),
    );
    assert.equal(userVersion(db), SCHEMA_VERSION + 2);
    db.close();
  });

  it("step 6 gives existing rows their current version as creation and as the end of any earlier life", () => {
    const db = new Database(":memory:");
    migrate(db, MIGRATIONS.slice(0, 5));
    db.exec(`INSERT INTO regions (id, name, epoch, version, floor, created_at) VALUES (1, 'r', 'e', 7, 0, 0);
      INSERT INTO rows (region_id, collection, key, version, deleted, value, updated_at) VALUES
        (1, 'c', 'live', 3, 0, '1', 0), (1, 'c', 'gone', 7, 1, NULL, 0);`);
    migrate(db, MIGRATIONS);
    const rows = db.prepare("SELECT key, version, created_version, prior_end_version FROM rows ORDER BY key").all();
    assert.deepEqual(rows, [
      { key: "gone", version: 7, created_version: 7, prior_end_version: 7 },
      { key: "live", version: 3, created_version: 3, prior_end_version: 3 },
    ]);
    db.close();
  });
});
