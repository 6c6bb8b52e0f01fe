import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import Database from "better-sqlite3";
import { hashToken } from "../../src/core/tokens.js";
import { ADMIN_TOKEN, authApp, call, createToken, type TestApp } from "./helpers.js";

describe("token API", () => {
  let dir: string;
  let t: TestApp;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "verso-tokens-"));
    t = await authApp({ path: join(dir, "verso.db") });
  });
  after(async () => {
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("creates a token and shows its secret once", async () => {
    const answer = await call(t.app, "POST", "/v1/tokens", ADMIN_TOKEN, {
      regions: ["us-east-1", "us-east-1"],
      role: "read",
      name: "edge",
    });
    assert.equal(answer.status, 201);
    assert.equal(answer.headers["cache-control"], "no-store");
    const { token, id, ...info } = answer.body;
    assert.match(token, /^verso_[A-Za-z0-9_-]{43}$/);
    assert.match(id, /^tok_[A-Za-z0-9_-]{12}$/);
    assert.deepEqual(
      { ...info, createdAt: typeof info.createdAt },
      {
        name: "edge",
        role: "read",
        regions: ["us-east-1"],
        createdAt: "string",
        revokedAt: null,
      },
    );
    assert.equal((await call(t.app, "GET", "/v1/regions/us-east-1", token)).status, 200);
  });

  it("never returns a secret from the listing", async () => {
    const created = await createToken(t.app, "write", ["eu-west-1"]);
    const listed = await call(t.app, "GET", "/v1/tokens", ADMIN_TOKEN);
    assert.equal(listed.status, 200);
    const mine = listed.body.tokens.find((x: { id: string }) => x.id === created.id);
    assert.deepEqual(mine, {
      id: created.id,
      name: null,
      role: "write",
      regions: ["eu-west-1"],
      createdAt: created.createdAt,
      revokedAt: null,
    });
    assert.ok(!JSON.stringify(listed.body).includes("verso_"), "no secret in the listing");
    assert.ok(!JSON.stringify(listed.body).includes(hashToken(created.token)), "no hash in the listing either");
  });

  it("stores only a hash of the secret", async () => {
    const created = await createToken(t.app, "read", ["ap-south-1"], "inspect-me");
    const db = new Database(join(dir, "verso.db"), { readonly: true });
    try {
      const row = db.prepare("SELECT * FROM tokens WHERE id = ?").get(created.id) as Record<string, unknown>;
      assert.equal(row.hash, hashToken(created.token));
      assert.ok(!Object.values(row).some((v) => String(v).includes(created.token.slice(6))), "the secret is in no column");
    } finally {
      db.close();
    }
    // Nor anywhere in the files (database and write-ahead log).
    const secret = Buffer.from(created.token.slice(6));
    for (const file of readdirSync(dir)) assert.equal(readFileSync(join(dir, file)).indexOf(secret), -1, file);
  });

  it("revokes: 200 with revokedAt, again 200 unchanged, unknown id 404", async () => {
    const created = await createToken(t.app, "read", ["us-east-1"]);
    const first = await call(t.app, "DELETE", `/v1/tokens/${created.id}`, ADMIN_TOKEN);
    assert.equal(first.status, 200);
    assert.equal(first.body.id, created.id);
    assert.ok(first.body.revokedAt);
    const second = await call(t.app, "DELETE", `/v1/tokens/${created.id}`, ADMIN_TOKEN);
    assert.equal(second.status, 200);
    assert.equal(second.body.revokedAt, first.body.revokedAt);
    const listed = (await call(t.app, "GET", "/v1/tokens", ADMIN_TOKEN)).body.tokens.find((x: { id: string }) => x.id === created.id);
    assert.equal(listed.revokedAt, first.body.revokedAt);
    const unknown = await call(t.app, "DELETE", "/v1/tokens/tok_nope", ADMIN_TOKEN);
    assert.equal(unknown.status, 404);
    assert.equal(unknown.body.error.code, "not_found");
  });

  it("refuses bad creation requests with 400 and creates nothing", async () => {
    const before = (await call(t.app, "GET", "/v1/tokens", ADMIN_TOKEN)).body.tokens.length;
    for (const body of [
      undefined,
      [],
      { regions: ["r1"] },
      { regions: ["r1"], role: "admin" },
      { regions: [], role: "read" },
      { regions: "r1", role: "read" },
      { regions: ["bad name"], role: "read" },
      { regions: ["r1"], role: "read", name: "" },
      { regions: ["r1"], role: "read", name: 5 },
      { regions: ["r1"], role: "read", extra: true },
    ]) {
      const answer = await call(t.app, "POST", "/v1/tokens", ADMIN_TOKEN, body);
      assert.equal(answer.status, 400, JSON.stringify(body));
      assert.equal(answer.body.error.code, "bad_request");
    }
    assert.equal((await call(t.app, "GET", "/v1/tokens", ADMIN_TOKEN)).body.tokens.length, before);
  });

  it("keeps Idempotency-Keys apart per token", async () => {
    const a = (await createToken(t.app, "write", ["shared"])).token;
    const b = (await createToken(t.app, "write", ["shared"])).token;
    const key = { "idempotency-key": "same-key" };
    const url = "/v1/regions/shared/next-version";
    const first = await call(t.app, "POST", url, a, undefined, key);
    const replay = await call(t.app, "POST", url, a, undefined, key);
    const other = await call(t.app, "POST", url, b, undefined, key);
    const admin = await call(t.app, "POST", url, ADMIN_TOKEN, undefined, key);
    assert.equal(first.body.version, 1);
    assert.equal(replay.body.version, 1, "the same token replays its answer");
    assert.equal(replay.headers["idempotency-replayed"], "true");
    assert.equal(other.body.version, 2, "another token with the same key gets its own write");
    assert.equal(other.headers["idempotency-replayed"], undefined);
    assert.equal(admin.body.version, 3);
  });
});
