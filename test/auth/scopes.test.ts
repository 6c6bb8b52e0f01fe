import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { ADMIN_TOKEN, authApp, call, createToken, type TestApp } from "./helpers.js";

const ROW = (region: string, key = "k1") => `/v1/regions/${region}/collections/deployments/rows/${key}`;

/** Every write of the contract against one region, each a fresh request. */
function writes(region: string): Array<[method: "PUT" | "POST" | "DELETE", url: string, body?: unknown]> {
  return [
    ["PUT", ROW(region, "w1"), { replicas: 1 }],
    ["DELETE", ROW(region)],
    ["POST", `/v1/regions/${region}/transactions`, { ops: [{ op: "put", collection: "deployments", key: "w2", value: 2 }] }],
    ["POST", `/v1/regions/${region}/next-version`],
    ["POST", `/v1/regions/${region}/compact`, { retainVersions: 0 }],
  ];
}

/** Every read of the contract against one region. */
function reads(region: string): Array<[method: "GET" | "HEAD", url: string]> {
  return [
    ["GET", `/v1/regions/${region}`],
    ["GET", ROW(region)],
    ["HEAD", ROW(region)],
    ["GET", `/v1/regions/${region}/collections/deployments/rows`],
    ["GET", `/v1/regions/${region}/changes?since=0`],
  ];
}

describe("scoped tokens over HTTP", () => {
  let t: TestApp;
  before(async () => {
    t = await authApp();
    for (const region of ["us-east-1", "eu-west-1"]) {
      assert.equal((await call(t.app, "PUT", ROW(region), ADMIN_TOKEN, { replicas: 3 })).status, 200);
    }
  });
  after(() => t.close());

  it("answers 401 without a token or with an unknown one, and leaves /healthz open", async () => {
    for (const token of [undefined, "", "verso_not-a-real-token", `${ADMIN_TOKEN}x`]) {
      const answer = await call(t.app, "GET", "/v1/regions/us-east-1", token);
      assert.equal(answer.status, 401, `token ${JSON.stringify(token)}`);
      assert.equal(answer.body.error.code, "unauthorized");
      assert.match(String(answer.headers["www-authenticate"]), /^Bearer/);
    }
    const malformed = await t.app.inject({ method: "GET", url: "/v1/regions", headers: { authorization: `Basic ${ADMIN_TOKEN}` } });
    assert.equal(malformed.statusCode, 401);
    for (const [method, url, body] of writes("us-east-1")) assert.equal((await call(t.app, method, url, undefined, body)).status, 401);
    assert.equal((await call(t.app, "GET", "/v1/tokens")).status, 401);
    assert.equal((await call(t.app, "GET", "/v1/no-such-route")).status, 401);
    assert.equal((await call(t.app, "GET", "/healthz")).status, 200);
    // Nothing was written by the refused requests.
    assert.equal((await call(t.app, "GET", "/v1/regions/us-east-1", ADMIN_TOKEN)).body.version, 1);
  });

  it("lets a read token read its region and nothing else", async () => {
    const { token } = await createToken(t.app, "read", ["us-east-1"]);
    for (const [method, url] of reads("us-east-1")) assert.equal((await call(t.app, method, url, token)).status, 200, `${method} ${url}`);
    for (const [method, url] of reads("eu-west-1")) {
      const answer = await call(t.app, method, url, token);
      assert.equal(answer.status, 403, `${method} ${url}`);
      if (method === "GET") assert.equal(answer.body.error.code, "forbidden");
    }
    for (const region of ["us-east-1", "eu-west-1"]) {
      for (const [method, url, body] of writes(region)) {
        const answer = await call(t.app, method, url, token, body);
        assert.equal(answer.status, 403, `${method} ${url}`);
        assert.equal(answer.body.error.code, "forbidden");
      }
    }
    assert.equal((await call(t.app, "GET", "/v1/regions/us-east-1", ADMIN_TOKEN)).body.version, 1, "refused writes changed nothing");
    assert.equal((await call(t.app, "GET", "/v1/tokens", token)).status, 403);
    assert.equal((await call(t.app, "POST", "/v1/tokens", token, { role: "read", regions: ["*"] })).status, 403);
  });

  it("lets a write token write its region only", async () => {
    const { token } = await createToken(t.app, "write", ["eu-west-1"]);
    for (const [method, url, body] of writes("eu-west-1")) {
      const answer = await call(t.app, method, url, token, body);
      assert.equal(answer.status, 200, `${method} ${url}: ${JSON.stringify(answer.body)}`);
    }
    for (const [method, url] of reads("eu-west-1")) {
      assert.notEqual((await call(t.app, method, url, token)).status, 403, `${method} ${url}`);
    }
    for (const [method, url, body] of writes("us-east-1")) assert.equal((await call(t.app, method, url, token, body)).status, 403);
    for (const [method, url] of reads("us-east-1")) assert.equal((await call(t.app, method, url, token)).status, 403);
    assert.equal((await call(t.app, "DELETE", "/v1/tokens/tok_x", token)).status, 403);
  });

  it("lets the admin token do everything", async () => {
    for (const [method, url] of reads("us-east-1")) assert.equal((await call(t.app, method, url, ADMIN_TOKEN)).status, 200);
    assert.equal((await call(t.app, "PUT", ROW("admin-made"), ADMIN_TOKEN, 0)).status, 200);
    for (const [method, url, body] of writes("admin-made")) assert.equal((await call(t.app, method, url, ADMIN_TOKEN, body)).status, 200);
    assert.equal((await call(t.app, "GET", "/v1/tokens", ADMIN_TOKEN)).status, 200);
    const listed = await call(t.app, "GET", "/v1/regions", ADMIN_TOKEN);
    assert.deepEqual(
      listed.body.regions.map((r: { region: string }) => r.region),
      ["admin-made", "eu-west-1", "us-east-1"],
    );
  });

  it("shows a scoped token only its own regions in the listing", async () => {
    const names = async (token: string) =>
      (await call(t.app, "GET", "/v1/regions", token)).body.regions.map((r: { region: string }) => r.region);
    assert.deepEqual(await names((await createToken(t.app, "read", ["us-east-1"])).token), ["us-east-1"]);
    assert.deepEqual(await names((await createToken(t.app, "write", ["eu-west-1", "never-written"])).token), ["eu-west-1"]);
    assert.deepEqual(await names((await createToken(t.app, "read", ["*"])).token), ["admin-made", "eu-west-1", "us-east-1"]);
  });

  it("gives a '*' token every region, also regions created later", async () => {
    const { token } = await createToken(t.app, "write", ["*"]);
    assert.equal((await call(t.app, "PUT", ROW("brand-new"), token, 1)).status, 200);
    assert.equal((await call(t.app, "GET", ROW("brand-new"), token)).status, 200);
    assert.equal((await call(t.app, "GET", "/v1/tokens", token)).status, 403, "'*' is not admin");
  });

  it("refuses a revoked token with 401 on the very next request", async () => {
    const created = await createToken(t.app, "read", ["us-east-1"]);
    // A first request puts the lookup in the cache; revocation must still win.
    assert.equal((await call(t.app, "GET", "/v1/regions/us-east-1", created.token)).status, 200);
    const revoked = await call(t.app, "DELETE", `/v1/tokens/${created.id}`, ADMIN_TOKEN);
    assert.equal(revoked.status, 200);
    assert.equal(typeof revoked.body.revokedAt, "string");
    const answer = await call(t.app, "GET", "/v1/regions/us-east-1", created.token);
    assert.equal(answer.status, 401);
    assert.equal(answer.body.error.code, "unauthorized");
  });

  it("decides on the region the handler sees, also when the path is percent-encoded", async () => {
    const { token } = await createToken(t.app, "read", ["us-east-1"]);
    assert.equal((await call(t.app, "GET", "/v1/regions/us%2Deast%2D1", token)).status, 200);
    assert.equal((await call(t.app, "GET", "/v1/regions/eu%2Dwest%2D1", token)).status, 403);
  });

  it("covers routes added later under /v1/regions/:region by method", async () => {
    const later = await authApp();
    try {
      // Stands in for a route another module adds later.
      later.app.get("/v1/regions/:region/later-read", async () => ({ ok: true }));
      later.app.post("/v1/regions/:region/something-new", async () => ({ ok: true }));
      later.app.get("/v1/admin-thing", async () => ({ ok: true }));
      const read = (await createToken(later.app, "read", ["r1"])).token;
      const write = (await createToken(later.app, "write", ["r1"])).token;
      assert.equal((await call(later.app, "GET", "/v1/regions/r1/later-read", read)).status, 200);
      assert.equal((await call(later.app, "GET", "/v1/regions/r2/later-read", read)).status, 403);
      assert.equal((await call(later.app, "GET", "/v1/regions/r1/later-read")).status, 401);
      assert.equal((await call(later.app, "POST", "/v1/regions/r1/something-new", read)).status, 403);
      assert.equal((await call(later.app, "POST", "/v1/regions/r1/something-new", write)).status, 200);
      assert.equal((await call(later.app, "GET", "/v1/admin-thing", write)).status, 403, "unknown routes are admin-only");
      assert.equal((await call(later.app, "GET", "/v1/admin-thing", ADMIN_TOKEN)).status, 200);
    } finally {
      await later.close();
    }
  });

  it("answers 404 for unknown paths once authenticated", async () => {
    const { token } = await createToken(t.app, "read", ["us-east-1"]);
    assert.equal((await call(t.app, "GET", "/v1/nothing-here", token)).status, 404);
  });
});
