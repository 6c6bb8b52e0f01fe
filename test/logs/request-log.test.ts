/** Structured logs: one JSON line per request with verso's fields, never a secret; the pretty form. */
import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { describe, it } from "node:test";
import { openStore } from "../../src/open-store.js";
import { buildApp } from "../../src/server/app.js";
import { createLogger, prettyLine } from "../../src/server/logger.js";
import { ADMIN_TOKEN, call, createToken } from "../auth/helpers.js";

function collector(): { stream: Writable; lines: () => Array<Record<string, unknown>>; text: () => string } {
  let text = "";
  const stream = new Writable({
    write(chunk, _encoding, done) {
      text += chunk.toString();
      done();
    },
  });
  return {
    stream,
    text: () => text,
    lines: () =>
      text
        .split("\n")
        .filter((l) => l !== "")
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

describe("request logs", () => {
  it("one JSON line per request: id, method, route, status, duration, region, token name, replay", async () => {
    const out = collector();
    const store = await openStore({ path: ":memory:", maintenanceIntervalMs: 0 });
    const logger = createLogger({ format: "json", destination: out.stream });
    const app = buildApp({ store, adminToken: ADMIN_TOKEN, logger });
    try {
      const writer = await createToken(app, "write", ["eu"], "deployer");
      const path = "/v1/regions/eu/collections/c/rows/k";
      await call(app, "PUT", path, writer.token, 1, { "idempotency-key": "k1", "x-request-id": "trace-7" });
      await call(app, "PUT", path, writer.token, 1, { "idempotency-key": "k1" });
      await call(app, "GET", "/v1/regions/us", writer.token);
      // Request lines are written once per turn of the event loop (log-destination.ts).
      logger.flush();
      const requests = out.lines().filter((l) => l.msg === "request");
      assert.equal(requests.length, 4, "the token creation, two puts and a refused read");
      const [, first, replay, refused] = requests;
      assert.equal(first?.reqId, "trace-7", "an incoming X-Request-Id is the request id");
      assert.equal(first?.method, "PUT");
      assert.equal(first?.route, "/v1/regions/:region/collections/:collection/rows/:key");
      assert.equal(first?.url, path);
      assert.equal(first?.status, 200);
      assert.equal(first?.region, "eu");
      assert.equal(first?.token, "deployer");
      assert.equal(first?.replayed, false);
      assert.equal(typeof first?.durationMs, "number");
      assert.equal(first?.level, 30);
      assert.match(String(first?.time), /^\d{4}-\d\d-\d\dT/);
      assert.equal(replay?.replayed, true);
      assert.notEqual(replay?.reqId, first?.reqId);
      assert.equal(refused?.status, 403);
      assert.equal(refused?.token, null, "refused before it was authenticated: no name");
      assert.equal(requests[0]?.token, "admin");
      assert.ok(!out.text().includes(writer.token) && !out.text().includes(ADMIN_TOKEN), "no secret is ever logged");
    } finally {
      await app.close();
      await store.close();
    }
  });

  it("the pretty form keeps lifecycle lines as they read and puts fields after requests", () => {
    assert.equal(
      prettyLine('{"level":30,"time":"2026-01-01T00:00:00.000Z","msg":"serving http://127.0.0.1:7070"}'),
      "verso: serving http://127.0.0.1:7070",
    );
    assert.equal(
      prettyLine('{"level":30,"time":"t","reqId":"req-1","method":"GET","status":200,"region":null,"msg":"request"}'),
      "verso: request reqId=req-1 method=GET status=200",
    );
    assert.equal(prettyLine('{"level":50,"time":"t","msg":"internal error"}'), "verso: ERROR internal error");
  });
});
