import assert from "node:assert/strict";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, beforeEach, describe, it } from "node:test";
import { idempotencyKeyOf, VersoClient, VersoError } from "../../src/client/index.js";

interface Seen {
  method: string;
  key: string | undefined;
}

/** Answers each request with the next scripted status (then 200), recording the Idempotency-Key. */
function scriptedServer(): { server: Server; seen: Seen[]; script: number[] } {
  const seen: Seen[] = [];
  const script: number[] = [];
  const server = createServer((request: IncomingMessage, response) => {
    request.resume();
    request.on("end", () => {
      const key = request.headers["idempotency-key"];
      seen.push({ method: request.method ?? "", key: typeof key === "string" ? key : undefined });
      const status = script.shift() ?? 200;
      response.setHeader("content-type", "application/json");
      if (status === 200) return response.end(JSON.stringify({ version: 7 }));
      const code = status === 500 ? "internal" : status === 503 ? "unavailable" : "bad_request";
      response.statusCode = status;
      response.end(JSON.stringify({ error: { code, message: `scripted ${status}` } }));
    });
  });
  return { server, seen, script };
}

describe("client: writes whose outcome is unknown", () => {
  const { server, seen, script } = scriptedServer();
  let client: VersoClient;
  before(async () => {
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    client = new VersoClient({ server: `http://127.0.0.1:${port}`, backoffMs: 1, retries: 2 });
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  beforeEach(() => {
    seen.length = 0;
    script.length = 0;
  });

  it("retries a 500 internal of a write with the same Idempotency-Key", async () => {
    script.push(500);
    assert.deepEqual(await client.put("r", "c", "k", { a: 1 }), { version: 7 });
    assert.equal(seen.length, 2);
    assert.ok(seen[0]?.key, "the write carries a key");
    assert.equal(seen[1]?.key, seen[0]?.key, "the retry carries the same key");
  });

  it("keeps a key the caller gave across retries", async () => {
    script.push(500, 503);
    await client.put("r", "c", "k", 1, { idempotencyKey: "mine" });
    assert.deepEqual(
      seen.map((s) => s.key),
      ["mine", "mine", "mine"],
    );
  });

  it("does not retry a 500 of a read", async () => {
    script.push(500);
    await assert.rejects(client.get("r", "c", "k"), (error: unknown) => error instanceof VersoError && error.code === "internal");
    assert.equal(seen.length, 1);
  });

  it("attaches the key to the error when the retries run out", async () => {
    script.push(500, 500, 500);
    const error = await client.put("r", "c", "k", 1).then(
      () => assert.fail("the write should fail"),
      (e: unknown) => e,
    );
    assert.ok(error instanceof VersoError);
    assert.equal(error.code, "internal");
    assert.equal(seen.length, 3);
    assert.equal(error.idempotencyKey, seen[0]?.key);
    assert.equal(idempotencyKeyOf(error), seen[0]?.key);
    // Retrying later with that key sends it again.
    await client.put("r", "c", "k", 1, { idempotencyKey: idempotencyKeyOf(error) ?? "" });
    assert.equal(seen[3]?.key, seen[0]?.key);
  });

  it("attaches the key to a network error too", async () => {
    const dead = new VersoClient({ server: "http://127.0.0.1:1", backoffMs: 1, retries: 0 });
    const error = await dead.put("r", "c", "k", 1, { idempotencyKey: "k1" }).then(
      () => assert.fail("nothing listens there"),
      (e: unknown) => e,
    );
    assert.equal(idempotencyKeyOf(error), "k1");
  });
});
