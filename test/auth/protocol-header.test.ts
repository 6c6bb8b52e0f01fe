import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { ADMIN_TOKEN, authApp, call, createToken, type TestApp } from "./helpers.js";

describe("verso-protocol with authentication on", () => {
  let t: TestApp;
  before(async () => {
    t = await authApp();
  });
  after(() => t.close());

  it("401 and 403 name the protocol they answered in", async () => {
    const missing = await call(t.app, "GET", "/v1/regions/r1", undefined, undefined, { "verso-protocol": "2" });
    assert.equal(missing.status, 401);
    assert.equal(missing.headers["verso-protocol"], "2");
    const bad = await call(t.app, "GET", "/v1/regions/r1", "no-such-token");
    assert.equal(bad.status, 401);
    assert.equal(bad.headers["verso-protocol"], "1");
    const reader = await createToken(t.app, "read", ["r1"]);
    const other = await call(t.app, "GET", "/v1/regions/r2", reader.token, undefined, { "verso-protocol": "2" });
    assert.equal(other.status, 403);
    assert.equal(other.headers["verso-protocol"], "2");
  });

  it("an unsupported protocol is refused before the token is looked at", async () => {
    const answer = await call(t.app, "GET", "/v1/regions/r1", "no-such-token", undefined, { "verso-protocol": "9" });
    assert.equal(answer.status, 400);
    assert.equal(answer.body.error.code, "unsupported_protocol_version");
    assert.equal(answer.headers["verso-protocol"], "2");
  });

  it("router errors name the protocol too", async () => {
    const answer = await call(t.app, "GET", "/v1/regions/a%zz", ADMIN_TOKEN, undefined, { "verso-protocol": "2" });
    assert.equal(answer.status, 400);
    assert.equal(answer.body.error.code, "bad_request");
    assert.equal(answer.headers["verso-protocol"], "2");
  });
});
