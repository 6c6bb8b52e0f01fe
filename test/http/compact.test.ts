import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, it } from "node:test";
import type { Page } from "../../src/protocol/types.js";
import { assertError, assertUnchanged, call, del, type Harness, harness, put, regionOf, regionUrl } from "./helpers.js";

const R = "compact";
const url = `${regionUrl(R)}/compact`;

describe("POST /v1/regions/{r}/compact", () => {
  let h: Harness;
  beforeEach(async () => {
    h = await harness();
    await put(h.app, R, "c", "a", 1); // 1
    await put(h.app, R, "c", "b", 2); // 2
    await del(h.app, R, "c", "a"); // 3 (tombstone)
    await put(h.app, R, "c", "x", 3); // 4
    await del(h.app, R, "c", "x"); // 5 (tombstone)
    await put(h.app, R, "c", "c", 4); // 6
  });
  afterEach(() => h.close());

  it("beforeVersion V purges tombstones below V and raises the floor to V-1", async () => {
    const res = await call(h.app, "POST", url, { body: { beforeVersion: 5 } });
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, { floor: 4, purged: 1 });
    const region = await regionOf(h.app, R);
    assert.equal(region.floor, 4);
    // Compaction changes no live state, so it takes no version (the contract is silent; asserted here).
    assert.equal(region.version, 6);
    const feed = await call<Page>(h.app, "GET", `${regionUrl(R)}/changes?since=4`);
    assert.deepEqual(
      feed.body.ops.map((op) => op.op),
      ["del", "put"],
      "the tombstone at 5 is kept",
    );
  });

  it("retainVersions N keeps the last N versions' tombstones", async () => {
    const res = await call(h.app, "POST", url, { body: { retainVersions: 1 } });
    assert.deepEqual(res.body, { floor: 5, purged: 2 });
    const all = await call(h.app, "POST", url, { body: { retainVersions: 0 } });
    assert.deepEqual(all.body, { floor: 6, purged: 0 });
  });

  it("a cursor below the floor gets a reset; a cursor at the floor is served incrementally", async () => {
    await call(h.app, "POST", url, { body: { beforeVersion: 5 } });
    const below = await call<Page>(h.app, "GET", `${regionUrl(R)}/changes?since=3`);
    assert.equal(below.body.reset, true);
    assert.deepEqual(below.body.ops, [
      { op: "clear" },
      { op: "put", collection: "c", key: "b", version: 2, value: 2 },
      { op: "put", collection: "c", key: "c", version: 6, value: 4 },
    ]);
    const at = await call<Page>(h.app, "GET", `${regionUrl(R)}/changes?since=4`);
    assert.equal(at.body.reset, false);
  });

  it("never lowers the floor nor raises it past the head", async () => {
    await call(h.app, "POST", url, { body: { beforeVersion: 5 } });
    assert.deepEqual((await call(h.app, "POST", url, { body: { beforeVersion: 2 } })).body, { floor: 4, purged: 0 });
    assert.deepEqual((await call(h.app, "POST", url, { body: { retainVersions: 100 } })).body, { floor: 4, purged: 0 });
    assert.deepEqual((await call(h.app, "POST", url, { body: { beforeVersion: 1000 } })).body, { floor: 6, purged: 1 });
    assert.equal((await regionOf(h.app, R)).floor, 6);
  });

  it("on a region never written reports floor 0 and creates nothing", async () => {
    const res = await assertUnchanged(h.app, () => call(h.app, "POST", `${regionUrl("never")}/compact`, { body: { retainVersions: 0 } }));
    assert.deepEqual(res.body, { floor: 0, purged: 0 });
  });

  it("refuses anything but exactly one of retainVersions or beforeVersion, changing nothing", async () => {
    const bodies = [
      undefined,
      "{}",
      "[]",
      "null",
      '"retainVersions"',
      '{"retainVersions": -1}',
      '{"retainVersions": 1.5}',
      '{"retainVersions": "1"}',
      '{"beforeVersion": null}',
      '{"retainVersions": 1, "beforeVersion": 2}',
      '{"keep": 1}',
    ];
    for (const raw of bodies) {
      const res = await assertUnchanged(h.app, () => call(h.app, "POST", url, raw === undefined ? {} : { raw }));
      assertError(res, 400, "bad_request");
    }
  });
});
