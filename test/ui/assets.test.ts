/** The dashboard's files: where they are served, with which headers, and that they need no token. */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { ADMIN_TOKEN, authApp, type TestApp } from "../auth/helpers.js";
import { call, type Harness, harness } from "../http/helpers.js";

const FILES = [
  ["/ui/", "text/html; charset=utf-8"],
  ["/ui/app.js", "text/javascript; charset=utf-8"],
  ["/ui/style.css", "text/css; charset=utf-8"],
] as const;

describe("dashboard assets", () => {
  let h: Harness;
  before(async () => {
    h = await harness();
  });
  after(() => h.close());

  it("/ui redirects to /ui/", async () => {
    const res = await h.app.inject({ method: "GET", url: "/ui" });
    assert.equal(res.statusCode, 301);
    assert.equal(res.headers.location, "/ui/");
  });

  it("serves each file with its content type, a validator and no-cache, and answers 304 when unchanged", async () => {
    let total = 0;
    for (const [url, type] of FILES) {
      const res = await h.app.inject({ method: "GET", url });
      assert.equal(res.statusCode, 200, url);
      assert.equal(res.headers["content-type"], type, url);
      assert.equal(res.headers["cache-control"], "no-cache", url);
      assert.equal(res.headers["x-content-type-options"], "nosniff", url);
      assert.match(String(res.headers["content-security-policy"]), /default-src 'none'/, url);
      const etag = String(res.headers.etag);
      assert.match(etag, /^"[A-Za-z0-9_-]{22}"$/, url);
      total += res.rawPayload.length;
      // Offline: nothing is loaded from another origin.
      assert.doesNotMatch(res.body, /\bhttps?:\/\//, url);

      const again = await h.app.inject({ method: "GET", url, headers: { "if-none-match": etag } });
      assert.equal(again.statusCode, 304, url);
      assert.equal(again.body, "", url);
    }
    assert.ok(total < 32 * 1024, `the dashboard should stay small, is ${total} bytes`);
  });

  it("refuses other names under /ui/ with the contract's 404 body", async () => {
    for (const url of ["/ui/nope.js", "/ui/..%2Fapp.ts", "/ui/constructor", "/ui/app.js/x"]) {
      const res = await call<{ error: { code: string } }>(h.app, "GET", url);
      assert.equal(res.status, 404, url);
      assert.equal(res.body.error.code, "not_found", url);
    }
  });
});

describe("dashboard assets with auth on", () => {
  let t: TestApp;
  before(async () => {
    t = await authApp();
  });
  after(() => t.close());

  it("are served without a token, while the data they call for still needs one", async () => {
    for (const [url] of FILES) assert.equal((await t.app.inject({ method: "GET", url })).statusCode, 200, url);
    assert.equal((await t.app.inject({ method: "GET", url: "/ui" })).statusCode, 301);
    assert.equal((await t.app.inject({ method: "GET", url: "/v1/regions" })).statusCode, 401);
    const authorized = await t.app.inject({ method: "GET", url: "/v1/regions", headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    assert.equal(authorized.statusCode, 200);
  });

  it("only reads are open: another method needs a token like any unknown route", async () => {
    const res = await t.app.inject({ method: "POST", url: "/ui/app.js" });
    assert.equal(res.statusCode, 401);
    assert.equal(res.json().error.code, "unauthorized");
  });
});
