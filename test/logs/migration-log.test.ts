/** The server logs each step of the store's upgrade chain it ran at start, and none when the file is current. */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { MIGRATIONS } from "../../src/storage/sqlite/migrations.js";
import { startChildServer, stopChild } from "../support/child-process.js";

function migrationLines(log: string): Array<Record<string, unknown>> {
  return log
    .split("\n")
    .filter((line) => line.startsWith("{"))
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .filter((line) => line.event === "migration");
}

describe("migration log lines", () => {
  it("a new file logs every step with its version and description; a current one logs none", async () => {
    const dir = mkdtempSync(join(tmpdir(), "verso-migration-log-"));
    const args = ["--db", join(dir, "verso.db"), "--log-format", "json", "--synchronous", "normal"];
    try {
      const first = await startChildServer(args);
      const lines = migrationLines(first.log());
      await stopChild(first);
      assert.deepEqual(
        lines.map((line) => [line.version, line.description, line.storage, line.level]),
        MIGRATIONS.map((step) => [step.version, step.description, "sqlite", 30]),
      );
      assert.match(String(lines[0]?.msg), /^migrated to schema version 1: /);

      const again = await startChildServer(args);
      const log = again.log();
      await stopChild(again);
      assert.deepEqual(migrationLines(log), [], "nothing to upgrade, nothing logged");
      assert.match(log, /serving/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
