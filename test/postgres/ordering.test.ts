/**
 * The ordering checker on PostgreSQL: verso with two API nodes passes; the naive
 * allocate-then-write writer fails. The second test is what shows the checker can fail.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { checkOrdering, DEFAULT_CHECK } from "../../src/checker/check-ordering.js";
import { PG_URL, SKIP_POSTGRES } from "./pg-env.js";

describe("ordering checker on PostgreSQL", { skip: SKIP_POSTGRES }, () => {
  it("finds no violation in verso with two API nodes", async () => {
    const report = await checkOrdering({ ...DEFAULT_CHECK, backend: { kind: "postgres", url: PG_URL }, nodes: 2, writers: 6, txns: 20 });
    assert.equal(report.failedWrites, 0);
    assert.equal(report.acknowledged, 120);
    assert.ok(report.caughtUp > 0);
    assert.deepEqual(report.violations, []);
  });

  it("catches the allocate-then-write design losing changes for readers", async () => {
    const report = await checkOrdering({
      ...DEFAULT_CHECK,
      backend: { kind: "postgres", url: PG_URL },
      writer: "naive",
      regions: 2,
      pullers: 3,
      pageLimit: 8,
      txns: 25,
    });
    assert.equal(report.failedWrites, 0);
    assert.ok((report.byKind.missed ?? 0) > 0, `expected missed changes, got ${JSON.stringify(report.byKind)}`);
    // The writes themselves all landed: the final feed has them. Only readers lost them.
    assert.equal(report.byKind.lost, undefined);
  });
});
