import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import type { VersoStore } from "../src/core/store.js";
import { needsReset } from "../src/model/feed.js";
import { openStore } from "../src/open-store.js";
import type { Page } from "../src/protocol/types.js";

/** Reads the whole feed from scratch like an agent: returns the state built and how many pages it took. */
async function bootstrap(store: VersoStore, region: string, limit: number, maxPages: number, resumableReset = true) {
  const state = new Map<string, unknown>();
  let since: number | undefined;
  let epoch: string | undefined;
  let resetHead: number | undefined;
  for (let pages = 1; pages <= maxPages; pages++) {
    const page: Page = await store.changes(region, {
      limit,
      ...(since !== undefined && { since }),
      ...(epoch !== undefined && { epoch }),
      ...(resetHead !== undefined && { resetHead }),
      resumableReset,
    });
    for (const op of page.ops) {
      if (op.op === "clear") state.clear();
      else if (op.op === "put") state.set(`${op.collection}/${op.key}`, op.value);
      else state.delete(`${op.collection}/${op.key}`);
    }
    if (page.reset) resetHead = page.head;
    since = page.cursor;
    epoch = page.epoch;
    if (!page.more) return { state, pages };
  }
  throw new Error(`no end after ${maxPages} pages`);
}

async function liveRows(store: VersoStore, region: string): Promise<Map<string, unknown>> {
  const rows = new Map<string, unknown>();
  let after: string | undefined;
  for (;;) {
    const list = await store.list(region, "c", { limit: 1000, ...(after !== undefined && { after }) });
    for (const row of list.rows) rows.set(`c/${row.key}`, row.value);
    if (list.next === null) return rows;
    after = list.next;
  }
}

describe("paginated reset below the floor", () => {
  it("continues instead of restarting when live rows older than the floor span several pages", async () => {
    const store = await openStore({ path: ":memory:", maintenanceIntervalMs: 0 });
    try {
      for (let i = 0; i < 30; i++) await store.put("r", "c", `k${i}`, i);
      await store.delete("r", "c", "k0");
      const { floor } = await store.compact("r", { retainVersions: 0 });
      assert.equal(floor, 31);
      const { state, pages } = await bootstrap(store, "r", 10, 20);
      assert.deepEqual(state, await liveRows(store, "r"));
      assert.equal(pages, 3);
      // A protocol 1 reader cannot continue below the floor: it gets the compacted prefix whole.
      const plain = await bootstrap(store, "r", 10, 20, false);
      assert.deepEqual(plain.state, await liveRows(store, "r"));
      assert.equal(plain.pages, 1);
    } finally {
      await store.close();
    }
  });

  it("ends with the live rows after random writes, deletes and compactions", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 9 })), { minLength: 1, maxLength: 120 }),
        fc.integer({ min: 1, max: 7 }),
        async (steps, limit) => {
          const store = await openStore({ path: ":memory:", maintenanceIntervalMs: 0 });
          try {
            for (const [key, action] of steps) {
              if (action === 0) await store.delete("r", "c", `k${key}`).catch(() => undefined);
              else if (action === 1) await store.compact("r", { retainVersions: key % 5 });
              else await store.put("r", "c", `k${key}`, action);
            }
            const { state } = await bootstrap(store, "r", limit, 500);
            assert.deepEqual(state, await liveRows(store, "r"));
          } finally {
            await store.close();
          }
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe("needsReset with a reset in progress", () => {
  const region = { region: "r", epoch: "e1", version: 40, floor: 30 };
  it("lets a reset continue below the floor while its snapshot head is at or above the floor", () => {
    assert.equal(needsReset(region, 12, "e1", 35), false);
    assert.equal(needsReset(region, 12, "e1", 30), false);
  });
  it("still resets when the floor passed the reset's snapshot, or the cursor or snapshot is impossible", () => {
    assert.equal(needsReset(region, 12, "e1"), true);
    assert.equal(needsReset(region, 12, "e1", 29), true);
    assert.equal(needsReset(region, 12, "e1", 41), true);
    assert.equal(needsReset(region, 36, "e1", 35), false, "at or above the floor the cursor alone decides");
    assert.equal(needsReset(region, 20, "e1", 15), true, "a cursor past its snapshot head is not a reset in progress");
    assert.equal(needsReset(region, 12, "e2", 35), true);
  });
});
