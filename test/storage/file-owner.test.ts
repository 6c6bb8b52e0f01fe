/**
 * One process owns a verso SQLite file: a second server on it refuses to start and names
 * the owner, and an owner killed with kill -9 leaves nothing that blocks the next start.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { SqliteStorage } from "../../src/storage/sqlite/sqlite-storage.js";
import { startChildServer, startVerso, stopChild, within } from "../support/child-process.js";

describe("one process owns a SQLite file", () => {
  const dir = mkdtempSync(join(tmpdir(), "verso-file-owner-"));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("a second process refuses to start on it and names the owner's pid", { timeout: 120_000 }, async () => {
    const db = join(dir, "owned.db");
    const first = new SqliteStorage({ path: db });
    // The same process may open it again (several API nodes in one process share it).
    const second = new SqliteStorage({ path: db });
    try {
      const refused = startVerso(["serve", "--port", "0", "--db", db]);
      try {
        const exit = await within(refused.exited, 60_000, "the second server to stop by itself");
        assert.equal(exit.code, 1, refused.stderr.text());
        assert.match(refused.stderr.text(), new RegExp(`owned\\.db is in use by process ${process.pid} \\(running since `));
      } finally {
        await stopChild(refused);
      }
    } finally {
      await first.close();
      await second.close();
    }
  });

  it("is free again once its owner closes it, or dies by kill -9", { timeout: 120_000 }, async () => {
    const db = join(dir, "handed-over.db");
    await new SqliteStorage({ path: db }).close();
    const killed = await startChildServer(["--db", db]);
    assert.throws(() => new SqliteStorage({ path: db }), new RegExp(`in use by process ${killed.child.pid} `));
    killed.child.kill("SIGKILL");
    await killed.exited;
    const next = await startChildServer(["--db", db]);
    try {
      assert.throws(() => new SqliteStorage({ path: db }), new RegExp(`in use by process ${next.child.pid} `));
    } finally {
      await stopChild(next);
    }
    await new SqliteStorage({ path: db }).close();
  });

  it("needs no owner for :memory:", async () => {
    const stores = [new SqliteStorage({ path: ":memory:" }), new SqliteStorage({ path: ":memory:" })];
    await Promise.all(stores.map((s) => s.close()));
  });
});
