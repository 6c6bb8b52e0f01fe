import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { MAX_VALUE_BYTES, MAX_VALUE_DEPTH } from "../../src/protocol/types.js";
import { assertError, assertUnchanged, call, type Harness, harness, put, regionUrl, rowUrl } from "./helpers.js";

/** A JSON string value whose encoding is exactly `bytes` long (quotes included). */
const stringOfBytes = (bytes: number, char = "x") => char.repeat((bytes - 2) / Buffer.byteLength(char));

describe("value and body size limits", () => {
  let h: Harness;
  before(async () => {
    // A small request limit, so the transaction limit is tested without 16 MiB bodies.
    h = await harness({ maxRequestBytes: 3 * MAX_VALUE_BYTES });
    await put(h.app, "big", "c", "k", "small");
  });
  after(() => h.close());

  it("a value of exactly 1 MiB is stored and read back whole", async () => {
    const value = stringOfBytes(MAX_VALUE_BYTES);
    const res = await call(h.app, "PUT", rowUrl("big", "c", "max"), { body: value });
    assert.equal(res.status, 200, res.text.slice(0, 200));
    const read = await call<{ value: string }>(h.app, "GET", rowUrl("big", "c", "max"));
    assert.equal(read.body.value, value);
  });

  it("a PUT of a value over 1 MiB is 413 payload_too_large naming the limit, and changes nothing", async () => {
    const res = await assertUnchanged(h.app, () =>
      call(h.app, "PUT", rowUrl("big", "c", "k"), { body: `${stringOfBytes(MAX_VALUE_BYTES)}y` }),
    );
    assertError(res, 413, "payload_too_large");
    assert.match((res.body as { error: { message: string } }).error.message, /1048576 bytes \(1 MiB\) as compact JSON/);
  });

  it("the limit counts the value as compact JSON, not the bytes of the body around it", async () => {
    const value = stringOfBytes(MAX_VALUE_BYTES);
    const res = await call(h.app, "PUT", rowUrl("big", "c", "spaced"), { raw: ` ${JSON.stringify(value)}\n` });
    assert.equal(res.status, 200, res.text.slice(0, 200));
    const pretty = call(h.app, "PUT", rowUrl("big", "c", "pretty"), {
      raw: JSON.stringify({ v: stringOfBytes(MAX_VALUE_BYTES - 10) }, null, 8),
    });
    assert.equal((await pretty).status, 200);
  });

  it("a body over the request limit is 413 naming that limit", async () => {
    const raw = JSON.stringify(" ".repeat(3 * MAX_VALUE_BYTES));
    const res = await assertUnchanged(h.app, () => call(h.app, "PUT", rowUrl("big", "c", "k"), { raw }));
    assertError(res, 413, "payload_too_large");
    assert.match((res.body as { error: { message: string } }).error.message, /larger than 3145728 bytes/);
  });

  it("the limit counts bytes, not characters", async () => {
    const twoByteChars = stringOfBytes(MAX_VALUE_BYTES, "é");
    assert.equal((await call(h.app, "PUT", rowUrl("big", "c", "utf8"), { body: twoByteChars })).status, 200);
    const res = await assertUnchanged(h.app, () => call(h.app, "PUT", rowUrl("big", "c", "utf8"), { body: `${twoByteChars}é` }));
    assertError(res, 413, "payload_too_large");
  });

  it("a transaction with one value over 1 MiB is 413 and applies none of its ops", async () => {
    const res = await assertUnchanged(h.app, () =>
      call(h.app, "POST", `${regionUrl("big")}/transactions`, {
        body: {
          ops: [
            { op: "put", collection: "c", key: "fine", value: 1 },
            { op: "put", collection: "c", key: "huge", value: `${stringOfBytes(MAX_VALUE_BYTES)}y` },
          ],
        },
      }),
    );
    assertError(res, 413, "payload_too_large");
  });

  it("a transaction of values under 1 MiB each is limited as a whole by the request limit", async () => {
    const value = stringOfBytes(MAX_VALUE_BYTES - 100);
    const ops = (n: number) => Array.from({ length: n }, (_, i) => ({ op: "put", collection: "c", key: `part${i}`, value }));
    assert.equal((await call(h.app, "POST", `${regionUrl("big")}/transactions`, { body: { ops: ops(2) } })).status, 200);
    const res = await assertUnchanged(h.app, () => call(h.app, "POST", `${regionUrl("big")}/transactions`, { body: { ops: ops(4) } }));
    assertError(res, 413, "payload_too_large");
  });

  it("bodies of other requests are limited to 64 KiB", async () => {
    // Not in the contract: compaction and next-version bodies are tiny, so a large one is refused early.
    const raw = JSON.stringify({ retainVersions: 0, padding: "x".repeat(64 * 1024) });
    const res = await assertUnchanged(h.app, () => call(h.app, "POST", `${regionUrl("big")}/compact`, { raw }));
    assertError(res, 413, "payload_too_large");
  });

  it(`values nest at most ${MAX_VALUE_DEPTH} levels deep; deeper is 400 naming the limit`, async () => {
    // As raw JSON text: the test's own JSON.stringify could not write the deepest ones.
    const nested = (depth: number): string => `${'{"a":['.repeat(depth / 2)}1${"]}".repeat(depth / 2)}`;
    assert.equal((await call(h.app, "PUT", rowUrl("big", "c", "deep"), { raw: nested(MAX_VALUE_DEPTH) })).status, 200);
    for (const depth of [MAX_VALUE_DEPTH + 2, 5_000]) {
      const res = await assertUnchanged(h.app, () => call(h.app, "PUT", rowUrl("big", "c", "deep"), { raw: nested(depth) }));
      assertError(res, 400, "bad_request");
      assert.match((res.body as { error: { message: string } }).error.message, new RegExp(`nests deeper than ${MAX_VALUE_DEPTH} levels`));
    }
    // Deeper than the stack allows, which is where a recursive check would break itself.
    const raw = `${"[".repeat(400_000)}${"]".repeat(400_000)}`;
    assertError(await call(h.app, "PUT", rowUrl("big", "c", "deep"), { raw }), 400, "bad_request");
    const txn = await assertUnchanged(h.app, () =>
      call(h.app, "POST", `${regionUrl("big")}/transactions`, {
        raw: `{"ops":[{"op":"put","collection":"c","key":"deep","value":${nested(MAX_VALUE_DEPTH + 2)}}]}`,
      }),
    );
    assertError(txn, 400, "bad_request");
    assert.match((txn.body as { error: { message: string } }).error.message, /ops\[0\]\.value nests deeper/);
  });
});
