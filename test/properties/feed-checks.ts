/**
 * What every change page must satisfy given the model of its region, and the
 * convergence checks run from every cursor once a random history has been written.
 */
import assert from "node:assert/strict";
import type { VersoStore } from "../../src/core/store.js";
import { internalsOf } from "../../src/core/store-internals.js";
import type { RawPage } from "../../src/model/raw-page.js";
import { entries, follow, type ReadPage, type State } from "../support/replica.js";
import type { RegionModel } from "./model.js";

export function checkPage(page: RawPage, since: number | undefined, limit: number, region: RegionModel): void {
  const where = `page from ${since} limit ${limit}: ${JSON.stringify(page)}`;
  assert.equal(page.head, region.head, where);
  assert.ok(page.cursor <= page.head, where);
  assert.equal(page.cursor === page.head, !page.more, `more is false exactly at head; ${where}`);
  if (page.more) assert.ok(page.cursor >= region.floor, `a page must be resumable from its cursor; ${where}`);
  const [first, ...rest] = page.ops;
  const rows = page.reset ? rest : page.ops;
  if (page.reset) assert.deepEqual(first, { op: "clear" }, where);
  const versions = rows.map((op) => (op.op === "clear" ? Number.NaN : op.version));
  const from = page.reset ? 0 : (since ?? 0);
  versions.forEach((v, i) => {
    assert.ok(v > from && v <= page.cursor, `op versions lie in (${from}, cursor]; ${where}`);
    assert.ok(i === 0 || v >= (versions[i - 1] ?? 0), `ops in version order; ${where}`);
  });
  if (page.reset) assert.ok(!rows.some((op) => op.op === "del"), `a reset carries live rows only; ${where}`);
  if (rows.length > limit) {
    const oneVersion = new Set(versions).size === 1;
    const compactedPrefix = page.reset && versions.every((v) => v <= region.floor);
    assert.ok(oneVersion || compactedPrefix, `only one version or the compacted prefix may exceed the limit; ${where}`);
  }
}

/** A reader of `name` that checks every page it gets. */
export function checkedReader(store: VersoStore, name: string, region: RegionModel): ReadPage {
  return async (since, epoch, limit) => {
    const page = await internalsOf(store).changesRaw(name, {
      limit,
      ...(since !== undefined && { since }),
      ...(epoch !== undefined && { epoch }),
    });
    checkPage(page, since, limit, region);
    return page;
  };
}

/**
 * From every cursor (the state at that version in hand), following the feed with small
 * varying limits ends at head holding exactly the live state; stale, ahead and foreign
 * cursors start with a reset; a reader with nothing resets and converges too.
 */
export async function checkConvergence(store: VersoStore, name: string, region: RegionModel, limits: () => number): Promise<void> {
  const read = checkedReader(store, name, region);
  const live = region.history[region.head];
  assert.ok(live);
  const expectLive = (state: State, what: string) => assert.deepEqual(entries(state), entries(live), `${name}: ${what}`);
  for (let since = 0; since <= region.head + 2; since++) {
    const held = region.history[since] ?? new Map([["junk/row", { version: since, valueJson: "0" }]]);
    const reader = await follow(read, { state: held, since }, limits);
    const stale = since < region.floor || since > region.head;
    assert.equal(reader.pages[0]?.reset, stale, `${name}: from ${since} (floor ${region.floor}, head ${region.head})`);
    assert.ok(
      reader.pages.slice(1).every((p) => !p.reset),
      `${name}: only the first page may reset`,
    );
    assert.equal(reader.cursor, region.head);
    expectLive(reader.state, `from cursor ${since}`);
  }
  const fresh = await follow(read, { state: new Map() }, limits);
  assert.equal(fresh.pages[0]?.reset, true);
  expectLive(fresh.state, "from nothing");
  const foreign = await follow(read, { state: live, since: region.head, epoch: "another-epoch" }, limits);
  assert.equal(foreign.pages[0]?.reset, true, `${name}: a foreign epoch resets`);
  expectLive(foreign.state, "from a foreign epoch");
}
