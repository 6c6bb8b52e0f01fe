import assert from "node:assert/strict";
import { after, afterEach, before, beforeEach, describe, it } from "node:test";
import type { RowList } from "../../src/protocol/types.js";
import { assertError, assertUnchanged, call, del, type Harness, harness, put, type Reply, regionOf, rowsUrl, rowUrl } from "./helpers.js";

const R = "rows";
const C = "deployments";

describe("PUT and GET a row", () => {
  let h: Harness;
  before(async () => {
    h = await harness();
  });
  after(() => h.close());

  it("PUT answers the new version in the body and as ETag", async () => {
    const res = await call(h.app, "PUT", rowUrl(R, C, "d1"), { body: { replicas: 3 } });
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, { region: R, collection: C, key: "d1", version: 1 });
    assert.equal(res.headers.etag, '"1"');
  });

  it("GET answers key, version and value, with the version as ETag", async () => {
    const res = await call(h.app, "GET", rowUrl(R, C, "d1"));
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, { key: "d1", version: 1, value: { replicas: 3 } });
    assert.equal(res.headers.etag, '"1"');
  });

  it("a second PUT takes the next version and replaces the value", async () => {
    assert.equal(await put(h.app, R, C, "d1", { replicas: 5 }), 2);
    const res = await call(h.app, "GET", rowUrl(R, C, "d1"));
    assert.deepEqual(res.body, { key: "d1", version: 2, value: { replicas: 5 } });
    assert.equal(res.headers.etag, '"2"');
  });

  it("stores any JSON value unchanged, null and scalars included", async () => {
    const values = [null, true, false, 0, -1.5, "text", [], [1, "two", null], { nested: { deep: [{}] } }, "ünïcødé ✓"];
    for (const [i, value] of values.entries()) {
      await put(h.app, R, "values", `v${i}`, value);
      const res = await call(h.app, "GET", rowUrl(R, "values", `v${i}`));
      assert.equal(res.status, 200);
      assert.deepEqual((res.body as { value: unknown }).value, value);
    }
  });

  it("GET of a row never written is 404 not_found", async () => {
    assertError(await call(h.app, "GET", rowUrl(R, C, "missing")), 404, "not_found");
    assertError(await call(h.app, "GET", rowUrl("no-such-region", C, "d1")), 404, "not_found");
  });

  it("a PUT without a body is refused (the body is the value)", async () => {
    const res = await assertUnchanged(h.app, () => call(h.app, "PUT", rowUrl(R, C, "d1")));
    assertError(res, 400, "bad_request");
  });
});

describe("conditional PUT: If-Match and If-None-Match", () => {
  let h: Harness;
  beforeEach(async () => {
    h = await harness();
    await put(h.app, R, C, "d1", { v: "one" }); // version 1
  });
  afterEach(() => h.close());

  it('If-Match: "V" with the current version writes', async () => {
    const res = await call(h.app, "PUT", rowUrl(R, C, "d1"), { body: { v: "two" }, headers: { "if-match": '"1"' } });
    assert.equal(res.status, 200);
    assert.equal(res.headers.etag, '"2"');
  });

  it('If-Match: "V" with another version is 412 with the current version and value', async () => {
    const res = await assertUnchanged(h.app, () =>
      call(h.app, "PUT", rowUrl(R, C, "d1"), { body: { v: "two" }, headers: { "if-match": '"7"' } }),
    );
    assertError(res, 412, "version_mismatch", { current: { version: 1, value: { v: "one" } } });
  });

  it("If-Match on an absent row is 412 with current null", async () => {
    const res = await assertUnchanged(h.app, () => call(h.app, "PUT", rowUrl(R, C, "nope"), { body: 1, headers: { "if-match": '"1"' } }));
    assertError(res, 412, "version_mismatch", { current: null });
  });

  it("If-Match on a deleted row is 412 with current null", async () => {
    await del(h.app, R, C, "d1");
    const res = await assertUnchanged(h.app, () => call(h.app, "PUT", rowUrl(R, C, "d1"), { body: 1, headers: { "if-match": '"2"' } }));
    assertError(res, 412, "version_mismatch", { current: null });
  });

  it("If-None-Match: * creates an absent row", async () => {
    const res = await call(h.app, "PUT", rowUrl(R, C, "d2"), { body: "new", headers: { "if-none-match": "*" } });
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, { region: R, collection: C, key: "d2", version: 2 });
  });

  it("If-None-Match: * on an existing row is 412 with the current row", async () => {
    const res = await assertUnchanged(h.app, () => call(h.app, "PUT", rowUrl(R, C, "d1"), { body: 1, headers: { "if-none-match": "*" } }));
    assertError(res, 412, "version_mismatch", { current: { version: 1, value: { v: "one" } } });
  });

  it("If-None-Match: * recreates a deleted row (a tombstone is absent)", async () => {
    await del(h.app, R, C, "d1");
    const res = await call(h.app, "PUT", rowUrl(R, C, "d1"), { body: "again", headers: { "if-none-match": "*" } });
    assert.equal(res.status, 200);
    assert.equal(res.headers.etag, '"3"');
  });

  it("If-Match accepts the ETag as sent back, also weak or bare; * means the row must exist", async () => {
    // The contract shows If-Match: "V"; weak (W/"V") and bare (V) forms are accepted too,
    // since proxies and hand-written curl commands produce them.
    for (const [header, version] of [
      ['W/"1"', 2],
      ["2", 3],
      ["*", 4],
    ] as const) {
      const res = await call(h.app, "PUT", rowUrl(R, C, "d1"), { body: version, headers: { "if-match": header } });
      assert.equal(res.status, 200, `${header}: ${res.text}`);
      assert.equal(res.headers.etag, `"${version}"`);
    }
    const res = await assertUnchanged(h.app, () => call(h.app, "PUT", rowUrl(R, C, "absent"), { body: 1, headers: { "if-match": "*" } }));
    assertError(res, 412, "version_mismatch", { current: null });
  });

  it("malformed conditions are 400, not a silent unconditional write", async () => {
    for (const headers of [
      { "if-match": "abc" },
      { "if-match": '"0"' },
      { "if-match": '"-1"' },
      { "if-match": '"1", "2"' },
      { "if-none-match": '"1"' },
      { "if-match": '"1"', "if-none-match": "*" },
    ]) {
      const res = await assertUnchanged(h.app, () => call(h.app, "PUT", rowUrl(R, C, "d1"), { body: 2, headers }));
      assertError(res, 400, "bad_request");
    }
  });
});

describe("DELETE a row", () => {
  let h: Harness;
  beforeEach(async () => {
    h = await harness();
    await put(h.app, R, C, "d1", "one"); // version 1
  });
  afterEach(() => h.close());

  it("answers {version} at a new version; the row is then gone", async () => {
    const res = await call(h.app, "DELETE", rowUrl(R, C, "d1"));
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, { version: 2 });
    assert.equal((await regionOf(h.app, R)).version, 2);
    assertError(await call(h.app, "GET", rowUrl(R, C, "d1")), 404, "not_found");
  });

  it("is soft: the tombstone shows in the feed at its version", async () => {
    await del(h.app, R, C, "d1");
    const res = await call(h.app, "GET", `/v1/regions/${R}/changes?since=1`);
    assert.deepEqual((res.body as { ops: unknown }).ops, [{ op: "del", collection: C, key: "d1", version: 2 }]);
  });

  it("of an absent or already deleted row is 404 and takes no version", async () => {
    assertError(await assertUnchanged(h.app, () => call(h.app, "DELETE", rowUrl(R, C, "never"))), 404, "not_found");
    await del(h.app, R, C, "d1");
    assertError(await assertUnchanged(h.app, () => call(h.app, "DELETE", rowUrl(R, C, "d1"))), 404, "not_found");
    assertError(await assertUnchanged(h.app, () => call(h.app, "DELETE", rowUrl("no-region", C, "d1"))), 404, "not_found");
  });

  it('If-Match: "V" deletes only at that version', async () => {
    const wrong = await assertUnchanged(h.app, () => call(h.app, "DELETE", rowUrl(R, C, "d1"), { headers: { "if-match": '"5"' } }));
    assertError(wrong, 412, "version_mismatch", { current: { version: 1, value: "one" } });
    const right = await call(h.app, "DELETE", rowUrl(R, C, "d1"), { headers: { "if-match": '"1"' } });
    assert.equal(right.status, 200);
    assert.deepEqual(right.body, { version: 2 });
  });

  it("If-Match on an absent row is 412 with current null (the condition is checked, as for PUT)", async () => {
    const res = await assertUnchanged(h.app, () => call(h.app, "DELETE", rowUrl(R, C, "never"), { headers: { "if-match": '"1"' } }));
    assertError(res, 412, "version_mismatch", { current: null });
  });

  it("refuses If-None-Match, which has no meaning for a delete", async () => {
    const res = await assertUnchanged(h.app, () => call(h.app, "DELETE", rowUrl(R, C, "d1"), { headers: { "if-none-match": "*" } }));
    assertError(res, 400, "bad_request");
  });
});

describe("GET …/collections/{c}/rows (list)", () => {
  let h: Harness;
  before(async () => {
    h = await harness();
    // Written out of key order, with a deleted row and a row in another collection.
    for (const key of ["e", "b", "d", "a", "c", "gone"]) await put(h.app, R, C, key, { key });
    await del(h.app, R, C, "gone");
    await put(h.app, R, "other", "a", "elsewhere");
  });
  after(() => h.close());

  it("lists live rows of the collection in key order, next null at the end", async () => {
    const res = await call<RowList>(h.app, "GET", rowsUrl(R, C));
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, {
      rows: [
        { key: "a", version: 4, value: { key: "a" } },
        { key: "b", version: 2, value: { key: "b" } },
        { key: "c", version: 5, value: { key: "c" } },
        { key: "d", version: 3, value: { key: "d" } },
        { key: "e", version: 1, value: { key: "e" } },
      ],
      next: null,
    });
  });

  it("pages with limit and after=next until next is null", async () => {
    const keys: string[][] = [];
    let after: string | null = "";
    let pages = 0;
    while (after !== null && pages++ < 10) {
      const res: Reply<RowList> = await call<RowList>(h.app, "GET", `${rowsUrl(R, C)}?limit=2&after=${after}`);
      assert.equal(res.status, 200);
      keys.push(res.body.rows.map((r) => r.key));
      after = res.body.next;
    }
    assert.deepEqual(keys, [["a", "b"], ["c", "d"], ["e"]]);
  });

  it("next is null when the last page is exactly full", async () => {
    const res = await call<RowList>(h.app, "GET", `${rowsUrl(R, C)}?after=c&limit=2`);
    assert.deepEqual(
      res.body.rows.map((r) => r.key),
      ["d", "e"],
    );
    assert.equal(res.body.next, null);
  });

  it("an empty collection or unknown region lists nothing", async () => {
    assert.deepEqual((await call(h.app, "GET", rowsUrl(R, "empty"))).body, { rows: [], next: null });
    assert.deepEqual((await call(h.app, "GET", rowsUrl("nowhere", C))).body, { rows: [], next: null });
  });

  it("refuses a limit out of 1..10000 or a malformed after", async () => {
    for (const query of ["limit=0", "limit=10001", "limit=-1", "limit=two", "after=bad%20key", "limit=1&limit=2"]) {
      assertError(await call(h.app, "GET", `${rowsUrl(R, C)}?${query}`), 400, "bad_request");
    }
    assert.equal((await call(h.app, "GET", `${rowsUrl(R, C)}?limit=10000`)).status, 200);
  });
});
