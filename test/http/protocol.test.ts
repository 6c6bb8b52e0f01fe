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
    for (const version of ["3", "0", "999999", "abc", "1.0", "-1", "", "01", "002", "000001", "+1", "1e0", "0x1"]) {
      const res = await call(h.app, "GET", regionUrl("p"), { headers: { "verso-protocol": version } });
      assertError(res, 400, "unsupported_protocol_version", { supported: { min: 1, max: 2 } });
    }
  });

  it("is checked before a write is applied", async () => {
    const res = await assertUnchanged(h.app, () =>
      call(h.app, "PUT", rowUrl("p", "c", "k"), { body: 3, headers: { "verso-protocol": "3" } }),
    );
    assertError(res, 400, "unsupported_protocol_version", { supported: { min: 1, max: 2 } });
    const nv = await assertUnchanged(h.app, () =>
      call(h.app, "POST", `${regionUrl("new")}/next-version`, { headers: { "verso-protocol": "3" } }),
    );
    assertError(nv, 400, "unsupported_protocol_version", { supported: { min: 1, max: 2 } });
  });

  it("every response says which protocol answered, errors included", async () => {
    // Not in the contract: the server answers in the protocol asked for (1 when none is),
    // and names the newest it speaks when it refuses one.
    for (const res of [await call(h.app, "GET", "/v1/regions"), await call(h.app, "GET", rowUrl("p", "c", "missing"))]) {
      assert.equal(res.headers["verso-protocol"], "1");
    }
    const asked2 = await call(h.app, "GET", rowUrl("p", "c", "missing"), { headers: { "verso-protocol": "2" } });
    assert.equal(asked2.headers["verso-protocol"], "2");
    const refused = await call(h.app, "GET", regionUrl("p"), { headers: { "verso-protocol": "7" } });
    assert.equal(refused.headers["verso-protocol"], "2");
  });
});
