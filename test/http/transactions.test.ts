import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, it } from "node:test";
import type { Page } from "../../src/protocol/types.js";
import { assertError, assertUnchanged, call, type Harness, harness, put, regionOf, regionUrl, rowUrl } from "./helpers.js";

const R = "txn";
const url = `${regionUrl(R)}/transactions`;

describe("POST /v1/regions/{r}/transactions", () => {
  let h: Harness;
  beforeEach(async () => {
    h = await harness();
    await put(h.app, R, "c", "a", "a1"); // version 1
    await put(h.app, R, "c", "b", "b1"); // version 2
  });
  afterEach(() => h.close());

  it("applies every op at one new version and answers {version}", async () => {
    const res = await call(h.app, "POST", url, {
      body: {
        ops: [
          { op: "put", collection: "c", key: "a", value: "a2" },
          { op: "delete", collection: "c", key: "b" },
          { op: "put", collection: "d", key: "new", value: { x: 1 } },
        ],
      },
    });
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, { version: 3 });
    assert.equal((await regionOf(h.app, R)).version, 3, "one transaction takes exactly one version");
    const page = await call<Page>(h.app, "GET", `${regionUrl(R)}/changes?since=2`);
    assert.deepEqual(page.body.ops, [
      { op: "put", collection: "c", key: "a", version: 3, value: "a2" },
      { op: "del", collection: "c", key: "b", version: 3 },
      { op: "put", collection: "d", key: "new", version: 3, value: { x: 1 } },
    ]);
  });

  it("ifVersion holds the op to the row's current version; ifVersion 0 means absent", async () => {
    const res = await call(h.app, "POST", url, {
      body: {
        ops: [
          { op: "put", collection: "c", key: "a", value: "a2", ifVersion: 1 },
          { op: "delete", collection: "c", key: "b", ifVersion: 2 },
          { op: "put", collection: "c", key: "fresh", value: 0, ifVersion: 0 },
        ],
      },
    });
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(res.body, { version: 3 });
  });

  it("a failed condition is 412 listing every failing op; nothing is applied and no version is taken", async () => {
    const res = await assertUnchanged(h.app, () =>
      call(h.app, "POST", url, {
        body: {
          ops: [
            { op: "put", collection: "c", key: "a", value: "x", ifVersion: 9 },
            { op: "put", collection: "c", key: "ok", value: "would be fine" },
            { op: "put", collection: "c", key: "b", value: "x", ifVersion: 0 },
            { op: "delete", collection: "c", key: "absent", ifVersion: 3 },
          ],
        },
      }),
    );
    assertError(res, 412, "version_mismatch", {
      failures: [
        { index: 0, collection: "c", key: "a", current: { version: 1, value: "a1" } },
        { index: 2, collection: "c", key: "b", current: { version: 2, value: "b1" } },
        { index: 3, collection: "c", key: "absent", current: null },
      ],
    });
    assertError(await call(h.app, "GET", rowUrl(R, "c", "ok")), 404, "not_found");
  });

  it("a delete of an absent row without ifVersion is 404 with the failures listed, and changes nothing", async () => {
    // The contract names 404 for a plain DELETE of an absent row; a transaction
    // answers the same, with the same `failures` list as a 412.
    const res = await assertUnchanged(h.app, () =>
      call(h.app, "POST", url, {
        body: {
          ops: [
            { op: "put", collection: "c", key: "a", value: "x" },
            { op: "delete", collection: "c", key: "absent" },
          ],
        },
      }),
    );
    assertError(res, 404, "not_found", { failures: [{ index: 1, collection: "c", key: "absent", current: null }] });
  });

  it("a key twice in one transaction is 400", async () => {
    const res = await assertUnchanged(h.app, () =>
      call(h.app, "POST", url, {
        body: {
          ops: [
            { op: "put", collection: "c", key: "a", value: 1 },
            { op: "delete", collection: "c", key: "a" },
          ],
        },
      }),
    );
    assertError(res, 400, "bad_request");
  });

  it("the same key in two collections is two rows, not a duplicate", async () => {
    const res = await call(h.app, "POST", url, {
      body: {
        ops: [
          { op: "put", collection: "c", key: "a", value: 1 },
          { op: "put", collection: "d", key: "a", value: 2 },
        ],
      },
    });
    assert.equal(res.status, 200, res.text);
  });

  it("creates its region on first commit and not before", async () => {
    const failed = await call(h.app, "POST", `${regionUrl("fresh")}/transactions`, {
      body: { ops: [{ op: "put", collection: "c", key: "k", value: 1, ifVersion: 4 }] },
    });
    assertError(failed, 412, "version_mismatch", { failures: [{ index: 0, collection: "c", key: "k", current: null }] });
    assert.deepEqual(await regionOf(h.app, "fresh"), { region: "fresh", epoch: "", version: 0, floor: 0 });
    const ok = await call(h.app, "POST", `${regionUrl("fresh")}/transactions`, {
      body: { ops: [{ op: "put", collection: "c", key: "k", value: 1 }] },
    });
    assert.deepEqual(ok.body, { version: 1 });
  });

  it("refuses malformed bodies with 400 and changes nothing", async () => {
    const bodies: unknown[] = [
      {},
      [],
      "ops",
      null,
      { ops: [] },
      { ops: {} },
      { ops: [null] },
      { ops: [{ op: "upsert", collection: "c", key: "a", value: 1 }] },
      { ops: [{ op: "put", collection: "c", key: "a" }] },
      { ops: [{ op: "put", key: "a", value: 1 }] },
      { ops: [{ op: "put", collection: "c", value: 1 }] },
      { ops: [{ op: "put", collection: "c", key: "a", value: 1, ifVersion: -1 }] },
      { ops: [{ op: "put", collection: "c", key: "a", value: 1, ifVersion: 1.5 }] },
      { ops: [{ op: "put", collection: "c", key: "a", value: 1, ifVersion: "1" }] },
      { ops: [{ op: "put", collection: "c", key: "a", value: 1, extra: true }] },
      { ops: [{ op: "delete", collection: "c", key: "a", value: 1 }] },
      { ops: [{ op: "put", collection: "bad name", key: "a", value: 1 }] },
      { ops: [{ op: "put", collection: "c", key: "a", value: 1 }], extra: 1 },
      // At most 1000 ops per transaction (a server limit the contract leaves open).
      { ops: Array.from({ length: 1001 }, (_, i) => ({ op: "put", collection: "c", key: `k${i}`, value: i })) },
    ];
    for (const body of bodies) {
      const res = await assertUnchanged(h.app, () => call(h.app, "POST", url, { raw: JSON.stringify(body) }));
      assertError(res, 400, "bad_request");
    }
  });

  it("accepts exactly 1000 ops", async () => {
    const ops = Array.from({ length: 1000 }, (_, i) => ({ op: "put", collection: "c", key: `k${i}`, value: i }));
    const res = await call(h.app, "POST", url, { body: { ops } });
    assert.deepEqual(res.body, { version: 3 });
  });
});
