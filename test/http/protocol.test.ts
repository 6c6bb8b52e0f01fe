import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { assertError, assertUnchanged, call, type Harness, harness, put, regionUrl, rowUrl } from "./helpers.js";

describe("Verso-Protocol header", () => {
  let h: Harness;
  before(async () => {
    h = await harness();
    await put(h.app, "p", "c", "k", 1);
  });
  after(() => h.close());

  it("requests without it, or with a supported version, are served", async () => {
    assert.equal((await call(h.app, "GET", regionUrl("p"))).status, 200);
    assert.equal((await call(h.app, "GET", regionUrl("p"), { headers: { "verso-protocol": "1" } })).status, 200);
    assert.equal((await call(h.app, "PUT", rowUrl("p", "c", "k"), { body: 2, headers: { "verso-protocol": "1" } })).status, 200);
  });

  it("an unsupported version is 400 unsupported_protocol_version with the supported range", async () => {
    for (const version of ["2", "0", "999999", "abc", "1.0", "-1", ""]) {
      const res = await call(h.app, "GET", regionUrl("p"), { headers: { "verso-protocol": version } });
      assertError(res, 400, "unsupported_protocol_version", { supported: { min: 1, max: 1 } });
    }
  });

  it("is checked before a write is applied", async () => {
    const res = await assertUnchanged(h.app, () =>
      call(h.app, "PUT", rowUrl("p", "c", "k"), { body: 3, headers: { "verso-protocol": "2" } }),
    );
    assertError(res, 400, "unsupported_protocol_version", { supported: { min: 1, max: 1 } });
    const nv = await assertUnchanged(h.app, () =>
      call(h.app, "POST", `${regionUrl("new")}/next-version`, { headers: { "verso-protocol": "2" } }),
    );
    assertError(nv, 400, "unsupported_protocol_version", { supported: { min: 1, max: 1 } });
  });

  it("every response says which protocol answered, errors included", async () => {
    // Not in the contract: the server names its protocol so a client can tell what it talks to.
    for (const res of [
      await call(h.app, "GET", "/v1/regions"),
      await call(h.app, "GET", rowUrl("p", "c", "missing")),
      await call(h.app, "GET", regionUrl("p"), { headers: { "verso-protocol": "7" } }),
    ]) {
      assert.equal(res.headers["verso-protocol"], "1");
    }
  });
});
