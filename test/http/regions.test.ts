import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Page, Region } from "../../src/protocol/types.js";
import { assertError, assertUnchanged, call, type Harness, harness, put, regionOf, regionUrl } from "./helpers.js";

describe("GET /v1/regions and GET /v1/regions/{r}", () => {
  let h: Harness;
  before(async () => {
    h = await harness();
  });
  after(() => h.close());

  it("lists no regions before any write", async () => {
    const res = await call(h.app, "GET", "/v1/regions");
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, { regions: [] });
  });

  it("reports a region never written as version 0, floor 0, epoch empty", async () => {
    const res = await call(h.app, "GET", regionUrl("never-written"));
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, { region: "never-written", epoch: "", version: 0, floor: 0 });
    // Reading a region does not create it.
    assert.deepEqual((await call(h.app, "GET", "/v1/regions")).body, { regions: [] });
  });

  it("lists every written region with its version, floor and epoch", async () => {
    await put(h.app, "b-region", "c", "k", 1);
    await put(h.app, "a-region", "c", "k", 1);
    await put(h.app, "a-region", "c", "k", 2);
    const res = await call<{ regions: Region[] }>(h.app, "GET", "/v1/regions");
    assert.equal(res.status, 200);
    // Order by name is not in the contract; the listing is sorted so that it is stable.
    assert.deepEqual(
      res.body.regions.map((r) => [r.region, r.version, r.floor]),
      [
        ["a-region", 2, 0],
        ["b-region", 1, 0],
      ],
    );
    for (const r of res.body.regions) {
      assert.deepEqual(Object.keys(r).sort(), ["epoch", "floor", "region", "version"]);
      assert.ok(r.epoch.length > 0, "a written region has an epoch");
      assert.deepEqual(await regionOf(h.app, r.region), r);
    }
  });
});

describe("POST /v1/regions/{r}/next-version", () => {
  let h: Harness;
  before(async () => {
    h = await harness();
  });
  after(() => h.close());

  it("starts at 1 and counts up by one per call", async () => {
    for (const expected of [1, 2, 3]) {
      const res = await call(h.app, "POST", `${regionUrl("nv")}/next-version`);
      assert.equal(res.status, 200);
      assert.deepEqual(res.body, { region: "nv", version: expected });
    }
    assert.equal((await regionOf(h.app, "nv")).version, 3);
  });

  it("keeps one counter per region", async () => {
    await call(h.app, "POST", `${regionUrl("other")}/next-version`);
    assert.equal((await regionOf(h.app, "other")).version, 1);
    assert.equal((await regionOf(h.app, "nv")).version, 3);
  });

  it("shares the counter with row writes and keeps the epoch", async () => {
    const { epoch } = await regionOf(h.app, "nv");
    assert.equal(await put(h.app, "nv", "c", "k", "v"), 4);
    const res = await call(h.app, "POST", `${regionUrl("nv")}/next-version`);
    assert.deepEqual(res.body, { region: "nv", version: 5 });
    assert.equal((await regionOf(h.app, "nv")).epoch, epoch);
  });

  it("consumes a version without changing any row", async () => {
    const res = await call<Page>(h.app, "GET", `${regionUrl("nv")}/changes?since=4`);
    assert.equal(res.status, 200);
    assert.deepEqual(res.body.ops, []);
    assert.equal(res.body.cursor, 5);
    assert.equal(res.body.head, 5);
    assert.equal(res.body.reset, false);
  });

  it("refuses an invalid region name and creates nothing", async () => {
    const res = await assertUnchanged(h.app, () => call(h.app, "POST", `${regionUrl("bad region")}/next-version`));
    assertError(res, 400, "bad_request");
  });
});
