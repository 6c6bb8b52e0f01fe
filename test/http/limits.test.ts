import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { MAX_VALUE_BYTES } from "../../src/protocol/types.js";
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

  it("a PUT of a value over 1 MiB is 413 payload_too_large and changes nothing", async () => {
    const res = await assertUnchanged(h.app, () =>
      call(h.app, "PUT", rowUrl("big", "c", "k"), { body: `${stringOfBytes(MAX_VALUE_BYTES)}y` }),
    );
    assertError(res, 413, "payload_too_large");
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
});
