import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, it } from "node:test";
import {
  assertError,
  assertUnchanged,
  type CallOptions,
  call,
  type Harness,
  harness,
  put,
  recordBatches,
  regionOf,
  regionUrl,
  rowUrl,
} from "./helpers.js";

const R = "idem";
const withKey = (key: string, options: CallOptions = {}): CallOptions => ({
  ...options,
  headers: { ...options.headers, "idempotency-key": key },
});

type Method = "POST" | "PUT" | "DELETE";
const keyFor = (name: string) => `k-${name.replaceAll(" ", "-")}`;

/** One request of every write the contract has, each valid against the seeded region. */
const WRITES: Array<{ name: string; method: Method; url: string; options: CallOptions }> = [
  { name: "next-version", method: "POST", url: `${regionUrl(R)}/next-version`, options: {} },
  { name: "put", method: "PUT", url: rowUrl(R, "c", "new"), options: { body: { v: 1 } } },
  { name: "conditional put", method: "PUT", url: rowUrl(R, "c", "seed"), options: { body: 2, headers: { "if-match": '"1"' } } },
  { name: "delete", method: "DELETE", url: rowUrl(R, "c", "seed"), options: {} },
  {
    name: "transaction",
    method: "POST",
    url: `${regionUrl(R)}/transactions`,
    options: { body: { ops: [{ op: "put", collection: "c", key: "t", value: 1 }] } },
  },
  { name: "compact", method: "POST", url: `${regionUrl(R)}/compact`, options: { body: { retainVersions: 0 } } },
];

describe("Idempotency-Key on every write", () => {
  let h: Harness;
  beforeEach(async () => {
    h = await harness();
    await put(h.app, R, "c", "seed", 1); // version 1
  });
  afterEach(() => h.close());

  for (const write of WRITES) {
    it(`${write.name}: a retry gets the first response, flagged idempotency-replayed, and is not applied again`, async () => {
      const first = await call(h.app, write.method, write.url, withKey(keyFor(write.name), write.options));
      assert.equal(first.status, 200, first.text);
      assert.equal(first.headers["idempotency-replayed"], undefined);
      const retry = await assertUnchanged(h.app, () => call(h.app, write.method, write.url, withKey(keyFor(write.name), write.options)));
      assert.equal(retry.status, 200);
      assert.equal(retry.text, first.text);
      assert.equal(retry.headers["idempotency-replayed"], "true");
      assert.equal(retry.headers.etag, first.headers.etag);
    });

    it(`${write.name}: the same key with a different request is 422 idempotency_key_reused`, async () => {
      await call(h.app, "POST", `${regionUrl("elsewhere")}/next-version`, withKey("shared"));
      const res = await assertUnchanged(h.app, () => call(h.app, write.method, write.url, withKey("shared", write.options)));
      assertError(res, 422, "idempotency_key_reused");
    });
  }

  it("what counts as a different request: body, condition, row, region", async () => {
    const first = await call(h.app, "PUT", rowUrl(R, "c", "k"), withKey("k1", { body: { a: 1 } }));
    assert.equal(first.status, 200);
    const variants: Array<[string, CallOptions]> = [
      [rowUrl(R, "c", "k"), { body: { a: 2 } }],
      [rowUrl(R, "c", "k"), { body: { a: 1 }, headers: { "if-none-match": "*" } }],
      [rowUrl(R, "c", "other"), { body: { a: 1 } }],
      [rowUrl(R, "d", "k"), { body: { a: 1 } }],
      [rowUrl("other-region", "c", "k"), { body: { a: 1 } }],
    ];
    for (const [url, options] of variants) {
      assertError(await assertUnchanged(h.app, () => call(h.app, "PUT", url, withKey("k1", options))), 422, "idempotency_key_reused");
    }
    // The request is recognised by meaning, not bytes: other whitespace is the same request.
    const sameMeaning = await call(h.app, "PUT", rowUrl(R, "c", "k"), withKey("k1", { raw: '{ "a" : 1 }' }));
    assert.equal(sameMeaning.status, 200);
    assert.equal(sameMeaning.headers["idempotency-replayed"], "true");
  });

  it("a failed first attempt is replayed as that failure, even once the condition would hold", async () => {
    const url = rowUrl(R, "c", "seed");
    const first = await call(h.app, "PUT", url, withKey("cond", { body: "x", headers: { "if-match": '"2"' } }));
    assertError(first, 412, "version_mismatch", { current: { version: 1, value: 1 } });
    await put(h.app, R, "c", "seed", "now at 2"); // version 2: the condition would hold now
    const retry = await assertUnchanged(h.app, () =>
      call(h.app, "PUT", url, withKey("cond", { body: "x", headers: { "if-match": '"2"' } })),
    );
    assert.equal(retry.status, 412);
    assert.equal(retry.text, first.text);
    // A replayed failure is flagged like a replayed success, so a caller can tell it
    // is the stored first answer and not a fresh evaluation of the condition.
    assert.equal(first.headers["idempotency-replayed"], undefined);
    assert.equal(retry.headers["idempotency-replayed"], "true");
  });

  it("a refused (400) request does not use up its key", async () => {
    const bad = await call(h.app, "POST", `${regionUrl(R)}/transactions`, withKey("fix-me", { body: { ops: [] } }));
    assertError(bad, 400, "bad_request");
    const good = await call(
      h.app,
      "POST",
      `${regionUrl(R)}/transactions`,
      withKey("fix-me", { body: { ops: [{ op: "put", collection: "c", key: "z", value: 1 }] } }),
    );
    assert.equal(good.status, 200);
    assert.equal(good.headers["idempotency-replayed"], undefined);
  });

  it("refuses a key that is empty, too long or not visible ASCII", async () => {
    for (const key of ["", "x".repeat(257), "has space", "tab\tkey"]) {
      const res = await assertUnchanged(h.app, () => call(h.app, "POST", `${regionUrl(R)}/next-version`, withKey(key)));
      assertError(res, 400, "bad_request");
    }
    assert.equal((await call(h.app, "POST", `${regionUrl(R)}/next-version`, withKey("x".repeat(256)))).status, 200);
  });

  it("concurrent duplicates that share one group commit execute once", async () => {
    const batches = recordBatches(h.store);
    const responses = await Promise.all(
      Array.from({ length: 8 }, () => call(h.app, "POST", `${regionUrl(R)}/next-version`, withKey("burst"))),
    );
    assert.ok(
      batches.some((size) => size > 1),
      `the duplicates shared a batch (batch sizes ${batches.join(",")})`,
    );
    for (const res of responses) assert.deepEqual(res.body, { region: R, version: 2 });
    assert.equal(responses.filter((res) => res.headers["idempotency-replayed"] === undefined).length, 1, "exactly one executed");
    assert.equal((await regionOf(h.app, R)).version, 2, "the version was taken once");
  });
});

describe("Idempotency-Key over time", () => {
  it("replays the first response after a restart", async () => {
    const dir = await mkdtemp(join(tmpdir(), "verso-idem-"));
    try {
      const path = join(dir, "verso.db");
      const before = await harness({ store: { path } });
      const first = await call(before.app, "PUT", rowUrl(R, "c", "k"), withKey("durable", { body: "v" }));
      assert.equal(first.status, 200);
      await before.close();
      const after = await harness({ store: { path } });
      try {
        const retry = await call(after.app, "PUT", rowUrl(R, "c", "k"), withKey("durable", { body: "v" }));
        assert.equal(retry.text, first.text);
        assert.equal(retry.headers["idempotency-replayed"], "true");
        assert.equal((await regionOf(after.app, R)).version, 1);
      } finally {
        await after.close();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("replays within the retention window (default 24 h) and forgets the key after it", async () => {
    let now = Date.UTC(2030, 0, 1);
    const h = await harness({ store: { now: () => now } });
    try {
      const send = () => call(h.app, "POST", `${regionUrl(R)}/next-version`, withKey("daily"));
      assert.deepEqual((await send()).body, { region: R, version: 1 });
      now += 24 * 3600_000 - 1;
      await h.store.runMaintenance();
      const within = await send();
      assert.equal(within.headers["idempotency-replayed"], "true");
      assert.deepEqual(within.body, { region: R, version: 1 });
      now += 2;
      await h.store.runMaintenance();
      const afterWindow = await send();
      assert.equal(afterWindow.headers["idempotency-replayed"], undefined);
      assert.deepEqual(afterWindow.body, { region: R, version: 2 });
    } finally {
      await h.close();
    }
  });
});
