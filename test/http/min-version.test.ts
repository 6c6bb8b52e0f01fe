import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, it } from "node:test";
import { internalsOf } from "../../src/core/store-internals.js";
import { assertError, call, type Harness, harness, put, rowUrl, until } from "./helpers.js";

const R = "barrier";
const url = (query: string) => `${rowUrl(R, "c", "k")}${query}`;

describe("GET …/rows/{k}?minVersion=N&timeoutMs=T: read-your-writes barrier", () => {
  let h: Harness;
  let head: number;
  beforeEach(async () => {
    h = await harness();
    head = await put(h.app, R, "c", "k", "first");
  });
  afterEach(() => h.close());

  it("answers at once when the head is already at or past N", { timeout: 10_000 }, async () => {
    for (const minVersion of [0, head]) {
      const res = await call(h.app, "GET", url(`?minVersion=${minVersion}&timeoutMs=60000`));
      assert.equal(res.status, 200);
      assert.deepEqual(res.body, { key: "k", version: head, value: "first" });
    }
  });

  it("is 504 consistency_timeout after T when the head does not reach N", async () => {
    const started = Date.now();
    const res = await call(h.app, "GET", url(`?minVersion=${head + 5}&timeoutMs=50`));
    assert.ok(Date.now() - started >= 45, "waited about timeoutMs");
    // minVersion and version are extra fields the contract leaves open: what was asked, what there is.
    assertError(res, 504, "consistency_timeout", { minVersion: head + 5, version: head });
    assert.equal(internalsOf(h.store).notifier.waiting, 0, "the waiter is gone");
  });

  it("succeeds when a write lands during the wait, and reads that write", { timeout: 10_000 }, async () => {
    const pending = call(h.app, "GET", url(`?minVersion=${head + 1}&timeoutMs=60000`));
    await until(() => internalsOf(h.store).notifier.waiting === 1, "the read waits");
    const version = await put(h.app, R, "c", "k", "second");
    const res = await pending;
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, { key: "k", version, value: "second" });
    assert.equal(res.headers.etag, `"${version}"`);
  });

  it("a write to another key moves the head too; the barrier is per region", { timeout: 10_000 }, async () => {
    const pending = call(h.app, "GET", url(`?minVersion=${head + 1}&timeoutMs=60000`));
    await until(() => internalsOf(h.store).notifier.waiting === 1, "the read waits");
    await put(h.app, R, "other", "x", 1);
    const res = await pending;
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, { key: "k", version: head, value: "first" });
  });

  it("a row still absent once the head is reached is 404, not a timeout", async () => {
    assertError(await call(h.app, "GET", `${rowUrl(R, "c", "absent")}?minVersion=${head}&timeoutMs=50`), 404, "not_found");
  });

  it("refuses malformed minVersion or timeoutMs with 400", async () => {
    for (const q of ["?minVersion=-1", "?minVersion=x", "?minVersion=1&timeoutMs=soon", "?minVersion=1&timeoutMs=-5"]) {
      assertError(await call(h.app, "GET", url(q)), 400, "bad_request");
    }
  });

  it("checks the query's parameters among unknown ones, and timeoutMs without minVersion", async () => {
    for (const q of ["?other=1&minVersion=x", "?timeoutMs=soon", "?x=1&y=2&timeoutMs=-5"]) {
      const res = await call(h.app, "GET", url(q));
      assertError(res, 400, "bad_request");
      assert.match(JSON.stringify(res.body), /must be a non-negative integer/);
    }
    assert.equal((await call(h.app, "GET", url("?other=1&more=x"))).status, 200);
  });
});
