import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { assertError, assertUnchanged, call, type Harness, harness, put, regionUrl, rowUrl } from "./helpers.js";

describe("unknown routes", () => {
  let h: Harness;
  before(async () => {
    h = await harness();
  });
  after(() => h.close());

  it("are 404 not_found in the contract's error shape", async () => {
    const requests: Array<[Parameters<typeof call>[1], string]> = [
      ["GET", "/"],
      ["GET", "/v1"],
      ["GET", "/v2/regions"],
      ["GET", "/v1/regions/r/nope"],
      ["GET", "/v1/regions/r/collections/c"],
      ["POST", "/v1/regions"],
      ["DELETE", "/v1/regions/r"],
      ["PATCH", rowUrl("r", "c", "k")],
      ["POST", rowUrl("r", "c", "k")],
      // A raw "/" is a path separator, not part of a key: keys send it as %2F.
      ["GET", "/v1/regions/r/collections/c/rows/a/b"],
    ];
    for (const [method, url] of requests) {
      assertError(await assertUnchanged(h.app, () => call(h.app, method, url)), 404, "not_found");
    }
  });
});

describe("malformed requests", () => {
  let h: Harness;
  before(async () => {
    h = await harness();
    await put(h.app, "m", "c", "k", { v: 1 });
  });
  after(() => h.close());

  it("a body that is not JSON is 400 bad_request and changes nothing", async () => {
    const cases: Array<[Parameters<typeof call>[1], string, string]> = [
      ["PUT", rowUrl("m", "c", "k"), "{bad"],
      ["PUT", rowUrl("m", "c", "k"), "undefined"],
      ["PUT", rowUrl("m", "c", "k"), '{"v": 1} trailing'],
      ["POST", `${regionUrl("m")}/transactions`, '{"ops": ['],
      ["POST", `${regionUrl("m")}/compact`, "{retainVersions: 1}"],
    ];
    for (const [method, url, raw] of cases) {
      assertError(await assertUnchanged(h.app, () => call(h.app, method, url, { raw })), 400, "bad_request");
    }
  });

  it("the body is read as JSON whatever its Content-Type says", async () => {
    // `curl -d` sends form encoding by default; the body is still the JSON value.
    const res = await call(h.app, "PUT", rowUrl("m", "c", "form"), {
      raw: '{"v": 2}',
      headers: { "content-type": "application/x-www-form-urlencoded" },
    });
    assert.equal(res.status, 200, res.text);
    assert.deepEqual((await call(h.app, "GET", rowUrl("m", "c", "form"))).body, { key: "form", version: 2, value: { v: 2 } });
  });

  it("a path with broken %-encoding is 400 in the contract's shape", async () => {
    assertError(await call(h.app, "GET", "/v1/regions/a%zz"), 400, "bad_request");
    assertError(
      await assertUnchanged(h.app, () => call(h.app, "PUT", "/v1/regions/m/collections/c/rows/k%E0%A4%A", { body: 1 })),
      400,
      "bad_request",
    );
  });

  it("a path segment far beyond any valid name is 400 in the contract's shape", async () => {
    assertError(await call(h.app, "GET", `/v1/regions/${"x".repeat(2000)}`), 400, "bad_request");
    assertError(
      await assertUnchanged(h.app, () => call(h.app, "PUT", rowUrl("m", "c", "k".repeat(5000)), { body: 1 })),
      400,
      "bad_request",
    );
  });
});

describe("internal errors", () => {
  it("an unexpected failure is 500 internal, with details in the log and not in the response", async () => {
    const h = await harness();
    try {
      await put(h.app, "i", "c", "k", 1);
      // Closing the store under a running app makes storage itself fail.
      await h.store.close();
      const read = await call(h.app, "GET", regionUrl("i"));
      assertError(read, 500, "internal");
      assert.equal((read.body as { error: { message: string } }).error.message, "internal error");
      assert.ok(
        h.logs.some((line) => line.startsWith("internal error:") && line.includes("not open")),
        `the cause is logged: ${h.logs.join("\n")}`,
      );
      assertError(await call(h.app, "POST", `${regionUrl("i")}/next-version`), 500, "internal");
    } finally {
      await h.close();
    }
  });
});
