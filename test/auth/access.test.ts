import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ADMIN, classify, type Principal, permits } from "../../src/server/access.js";
import { checkBind, isLoopback, PlaintextBindError, UnauthenticatedBindError } from "../../src/server/bind-policy.js";

describe("classify", () => {
  it("reads by GET/HEAD and writes by any other method under /v1/regions/:region", () => {
    assert.deepEqual(classify("GET", "/v1/regions/:region/watch", "r1"), { kind: "region", region: "r1", mode: "read" });
    assert.deepEqual(classify("HEAD", "/v1/regions/:region/collections/:collection/rows/:key", "r1"), {
      kind: "region",
      region: "r1",
      mode: "read",
    });
    assert.deepEqual(classify("PUT", "/v1/regions/:region/collections/:collection/rows/:key", "r1"), {
      kind: "region",
      region: "r1",
      mode: "write",
    });
    assert.deepEqual(classify("POST", "/v1/regions/:region", "r1"), { kind: "region", region: "r1", mode: "write" });
  });
  it("counts a Replicache pull as a read although it is a POST, and a push as a write", () => {
    assert.deepEqual(classify("POST", "/v1/regions/:region/replicache/pull", "r1"), { kind: "region", region: "r1", mode: "read" });
    assert.deepEqual(classify("POST", "/v1/regions/:region/replicache/push", "r1"), { kind: "region", region: "r1", mode: "write" });
    assert.deepEqual(classify("GET", "/v1/regions/:region/replicache/poke", "r1"), { kind: "region", region: "r1", mode: "read" });
  });
  it("keeps /healthz open, token management and unknown routes admin-only", () => {
    assert.deepEqual(classify("GET", "/healthz", undefined), { kind: "open" });
    assert.deepEqual(classify("GET", "/v1/tokens", undefined), { kind: "admin" });
    assert.deepEqual(classify("DELETE", "/v1/tokens/:id", undefined), { kind: "admin" });
    assert.deepEqual(classify("POST", "/v1/regions", undefined), { kind: "admin" });
    assert.deepEqual(classify("GET", "/v1/regionsX/:region", "r1"), { kind: "admin" });
    assert.deepEqual(classify("GET", "/v1/regions", undefined), { kind: "authenticated" });
    assert.deepEqual(classify("GET", undefined, undefined), { kind: "authenticated" });
  });
  it("lets every token read schemas and only the admin change them", () => {
    assert.deepEqual(classify("GET", "/v1/schemas", undefined), { kind: "authenticated" });
    assert.deepEqual(classify("GET", "/v1/schemas/:collection", undefined), { kind: "authenticated" });
    assert.deepEqual(classify("PUT", "/v1/schemas/:collection", undefined), { kind: "admin" });
    assert.deepEqual(classify("POST", "/v1/schemas/:collection/check", undefined), { kind: "admin" });
    assert.deepEqual(classify("POST", "/v1/schemas/:collection/upgrade", undefined), { kind: "admin" });
    assert.deepEqual(classify("GET", "/v1/schemasX", undefined), { kind: "admin" });
  });
});

describe("permits", () => {
  const reader: Principal = { kind: "token", id: "t1", role: "read", regions: ["r1"] };
  const writer: Principal = { kind: "token", id: "t2", role: "write", regions: ["r1"] };
  const everywhere: Principal = { kind: "token", id: "t3", role: "read", regions: ["*"] };
  const read = (region: string) => ({ kind: "region" as const, region, mode: "read" as const });
  const write = (region: string) => ({ kind: "region" as const, region, mode: "write" as const });
  it("matches role and regions", () => {
    assert.equal(permits(reader, read("r1")), true);
    assert.equal(permits(reader, write("r1")), false);
    assert.equal(permits(reader, read("r2")), false);
    assert.equal(permits(writer, write("r1")), true);
    assert.equal(permits(writer, write("r2")), false);
    assert.equal(permits(everywhere, read("anything")), true);
    assert.equal(permits(everywhere, write("anything")), false);
    for (const p of [reader, writer, everywhere]) assert.equal(permits(p, { kind: "admin" }), false);
    assert.equal(permits(ADMIN, { kind: "admin" }), true);
    assert.equal(permits(ADMIN, write("r9")), true);
  });
});

describe("bind policy", () => {
  it("knows loopback hosts", () => {
    for (const host of ["127.0.0.1", "127.1.2.3", "localhost", "::1", "[::1]", "::ffff:127.0.0.1"])
      assert.equal(isLoopback(host), true, host);
    for (const host of ["0.0.0.0", "::", "10.0.0.1", "192.168.1.1", "example.com", "::ffff:10.0.0.1", ""]) {
      assert.equal(isLoopback(host), false, host);
    }
  });
  it("refuses a non-loopback host without authentication only", () => {
    assert.throws(() => checkBind("0.0.0.0", false), UnauthenticatedBindError);
    assert.throws(() => checkBind("0.0.0.0", true), PlaintextBindError);
    assert.doesNotThrow(() => checkBind("0.0.0.0", true, { tls: true }));
    assert.doesNotThrow(() => checkBind("0.0.0.0", true, { insecureHttp: true }));
    assert.throws(() => checkBind("0.0.0.0", false, { tls: true }), UnauthenticatedBindError);
    assert.doesNotThrow(() => checkBind("127.0.0.1", false));
  });
});
