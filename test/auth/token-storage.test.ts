import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { issueToken } from "../../src/core/tokens.js";
import { migrate } from "../../src/sqlite/migrate.js";
import { openDatabase } from "../../src/sqlite/open-database.js";
import { MIGRATIONS } from "../../src/storage/sqlite/migrations.js";
import { SqliteStorage } from "../../src/storage/sqlite/sqlite-storage.js";
import { describeTokenStorage } from "./token-storage-suite.js";

describeTokenStorage("sqlite", async () => {
  const dir = mkdtempSync(join(tmpdir(), "verso-token-storage-"));
  const path = join(dir, "verso.db");
  return {
    storage: new SqliteStorage({ path }),
    reopen: async () => new SqliteStorage({ path }),
    cleanup: async () => rmSync(dir, { recursive: true, force: true }),
  };
});

describe("SQLite token storage upgrade", () => {
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
});
