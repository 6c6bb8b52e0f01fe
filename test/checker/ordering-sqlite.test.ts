/** The ordering checker against verso on SQLite: no violation. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { checkOrdering, DEFAULT_CHECK } from "../../src/checker/check-ordering.js";

describe("ordering checker on SQLite", () => {
  it("finds no violation with concurrent writers, pull readers and long-pollers", async () => {
    const report = await checkOrdering({ ...DEFAULT_CHECK, backend: { kind: "sqlite" }, writers: 6, txns: 20, seed: 7 });
    assert.equal(report.failedWrites, 0);
    assert.equal(report.acknowledged, 120);
    assert.ok(report.caughtUp > 0);
    assert.deepEqual(report.violations, []);
  });
});
