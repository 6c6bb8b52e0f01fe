import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { hashToken, issueToken } from "../../src/core/tokens.js";
import { MIGRATIONS, migrate } from "../../src/storage/sqlite/migrations.js";
import { openDatabase } from "../../src/storage/sqlite/open-database.js";
import { SqliteStorage } from "../../src/storage/sqlite/sqlite-storage.js";

describe("SQLite token storage", () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "verso-token-storage-"));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("upgrades a schema-1 database in place, keeping its data", async () => {
    const path = join(dir, "v1.db");
    const db = openDatabase({ path });
    migrate(db, MIGRATIONS.slice(0, 1));
    db.prepare("INSERT INTO regions (name, epoch, version, floor, created_at) VALUES ('r1', 'e1', 7, 0, 0)").run();
    db.close();
    const storage = new SqliteStorage({ path });
    try {
      assert.deepEqual(await storage.region("r1"), { region: "r1", epoch: "e1", version: 7, floor: 0 });
      const tokens = storage.tokens();
      assert.deepEqual(await tokens.list(), []);
      const { stored } = issueToken({ regions: ["r1"], role: "read", name: null }, 1_000);
      await tokens.create(stored);
      assert.equal((await tokens.list()).length, 1);
    } finally {
      await storage.close();
    }
  });

  it("finds by hash, revokes once and keeps revoked tokens listed", async () => {
    const storage = new SqliteStorage({ path: ":memory:" });
    try {
      const tokens = storage.tokens();
      const a = issueToken({ regions: ["*"], role: "write", name: "ci" }, 1_000);
      const b = issueToken({ regions: ["r1", "r2"], role: "read", name: null }, 2_000);
      await tokens.create(a.stored);
      await tokens.create(b.stored);
      const { hash: _hash, ...expectedB } = b.stored;
      assert.deepEqual(await tokens.findByHash(hashToken(b.secret)), { ...expectedB, revokedAt: null });
      assert.equal(await tokens.findByHash(hashToken("verso_unknown")), undefined);
      assert.equal((await tokens.revoke(b.stored.id, 3_000))?.revokedAt, 3_000);
      assert.equal((await tokens.revoke(b.stored.id, 4_000))?.revokedAt, 3_000, "a second revocation keeps the first time");
      assert.equal((await tokens.findByHash(hashToken(b.secret)))?.revokedAt, 3_000);
      assert.equal(await tokens.revoke("tok_missing", 5_000), undefined);
      assert.deepEqual(
        (await tokens.list()).map((t) => [t.id, t.revokedAt]),
        [
          [a.stored.id, null],
          [b.stored.id, 3_000],
        ],
      );
    } finally {
      await storage.close();
    }
  });
});
