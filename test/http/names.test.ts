import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Page, RowList } from "../../src/protocol/types.js";
import { assertError, assertUnchanged, call, type Harness, harness, put, regionUrl, rowsUrl, rowUrl } from "./helpers.js";

const MAX = "n".repeat(256);
const TOO_LONG = "n".repeat(257);
const INVALID = ["has space", "a@b", "ünï", "a%b", "a#b", "a?b", "a*b", "a,b", "tab\tname", TOO_LONG];

describe("region, collection and key names", () => {
  let h: Harness;
  before(async () => {
    h = await harness();
  });
  after(() => h.close());

  it("accept 1-256 characters of [A-Za-z0-9._:-] in every position", async () => {
    for (const name of ["a", "Az09._:-", "us-east-1", "v1.2:beta_x", MAX]) {
      const res = await call(h.app, "PUT", rowUrl(name, name, name), { body: name });
      assert.equal(res.status, 200, `${name}: ${res.text}`);
      assert.deepEqual((await call(h.app, "GET", rowUrl(name, name, name))).body, { key: name, version: 1, value: name });
    }
  });

  it("are case-sensitive", async () => {
    await put(h.app, "case", "c", "k", "lower");
    await put(h.app, "case", "c", "K", "upper");
    assert.deepEqual(
      ((await call<RowList>(h.app, "GET", rowsUrl("case", "c"))).body.rows ?? []).map((r) => r.value),
      ["upper", "lower"],
    );
  });

  for (const bad of INVALID) {
    it(`refuse ${JSON.stringify(bad.length > 20 ? `${bad.slice(0, 8)}…(${bad.length})` : bad)} as region, collection or key, changing nothing`, async () => {
      const requests: Array<[Parameters<typeof call>[1], string]> = [
        ["PUT", rowUrl(bad, "c", "k")],
        ["PUT", rowUrl("r", bad, "k")],
        ["PUT", rowUrl("r", "c", bad)],
        ["DELETE", rowUrl("r", "c", bad)],
        ["GET", rowUrl("r", "c", bad)],
        ["GET", rowUrl(bad, "c", "k")],
        ["GET", rowsUrl("r", bad)],
        ["GET", regionUrl(bad)],
        ["GET", `${regionUrl(bad)}/changes`],
        ["POST", `${regionUrl(bad)}/next-version`],
        ["POST", `${regionUrl(bad)}/transactions`],
        ["POST", `${regionUrl(bad)}/compact`],
      ];
      const bodies: Record<string, unknown> = {
        PUT: 1,
        [`${regionUrl(bad)}/transactions`]: { ops: [{ op: "put", collection: "c", key: "k", value: 1 }] },
        [`${regionUrl(bad)}/compact`]: { retainVersions: 0 },
      };
      for (const [method, url] of requests) {
        const body = bodies[url] ?? bodies[method];
        const res = await assertUnchanged(h.app, () => call(h.app, method, url, body === undefined ? {} : { body }));
        assertError(res, 400, "bad_request");
      }
      for (const op of [
        { op: "put", collection: bad, key: "k", value: 1 },
        { op: "put", collection: "c", key: bad, value: 1 },
        { op: "delete", collection: bad, key: "k" },
      ]) {
        const res = await assertUnchanged(h.app, () => call(h.app, "POST", `${regionUrl("r")}/transactions`, { body: { ops: [op] } }));
        assertError(res, 400, "bad_request");
      }
    });
  }

  it('refuse "." and ".." (in a URL they would be resolved away into another path)', async () => {
    // Clients normalise "." and ".." path segments, so in a URL they never reach the
    // server (the listening-server test sends them raw); the transaction body carries
    // them unchanged.
    for (const name of [".", ".."]) {
      for (const op of [
        { op: "put", collection: name, key: "k", value: 1 },
        { op: "put", collection: "c", key: name, value: 1 },
      ]) {
        const res = await assertUnchanged(h.app, () => call(h.app, "POST", `${regionUrl("r")}/transactions`, { body: { ops: [op] } }));
        assertError(res, 400, "bad_request");
      }
    }
    // Dots inside a longer name are ordinary characters.
    assert.equal((await call(h.app, "PUT", rowUrl("...", ".c.", "..k"), { body: 1 })).status, 200);
  });

  it("an empty name is refused", async () => {
    const res = await call(h.app, "POST", `${regionUrl("r")}/transactions`, {
      body: { ops: [{ op: "put", collection: "", key: "k", value: 1 }] },
    });
    assertError(res, 400, "bad_request");
  });
});

describe("keys with / (sent as %2F)", () => {
  let h: Harness;
  before(async () => {
    h = await harness();
  });
  after(() => h.close());

  it("round-trip through PUT, GET, list, changes, If-Match and DELETE", async () => {
    const key = "ns/app/config";
    const url = rowUrl("s", "c", key);
    assert.ok(url.endsWith("ns%2Fapp%2Fconfig"));
    const created = await call(h.app, "PUT", url, { body: { a: 1 } });
    assert.deepEqual(created.body, { region: "s", collection: "c", key, version: 1 });
    assert.deepEqual((await call(h.app, "GET", url)).body, { key, version: 1, value: { a: 1 } });
    assert.deepEqual(
      (await call<RowList>(h.app, "GET", rowsUrl("s", "c"))).body.rows.map((r) => r.key),
      [key],
    );
    const feed = await call<Page>(h.app, "GET", `${regionUrl("s")}/changes?since=0`);
    assert.deepEqual(feed.body.ops, [{ op: "put", collection: "c", key, version: 1, value: { a: 1 } }]);
    assert.equal((await call(h.app, "PUT", url, { body: 2, headers: { "if-match": '"1"' } })).status, 200);
    assert.deepEqual((await call(h.app, "DELETE", url)).body, { version: 3 });
    assertError(await call(h.app, "GET", url), 404, "not_found");
  });

  it("a key with / is a different row from its segments, and list after= accepts it", async () => {
    await put(h.app, "s2", "c", "a", 1);
    await put(h.app, "s2", "c", "a/b", 2);
    await put(h.app, "s2", "c", "b", 3);
    const page = await call<RowList>(h.app, "GET", `${rowsUrl("s2", "c")}?after=${encodeURIComponent("a/b")}`);
    assert.deepEqual(
      page.body.rows.map((r) => r.key),
      ["b"],
    );
  });

  it("/ is refused in region and collection names", async () => {
    assertError(await call(h.app, "PUT", rowUrl("a/b", "c", "k"), { body: 1 }), 400, "bad_request");
    assertError(await call(h.app, "PUT", rowUrl("r", "a/b", "k"), { body: 1 }), 400, "bad_request");
  });

  it("a 256-character key with / is accepted, 257 is refused", async () => {
    const key = `${"a/".repeat(127)}ab`;
    assert.equal(key.length, 256);
    assert.equal((await call(h.app, "PUT", rowUrl("s3", "c", key), { body: 1 })).status, 200);
    assertError(await assertUnchanged(h.app, () => call(h.app, "PUT", rowUrl("s3", "c", `${key}/`), { body: 1 })), 400, "bad_request");
  });
});
