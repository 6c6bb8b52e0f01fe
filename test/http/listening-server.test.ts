import assert from "node:assert/strict";
import { once } from "node:events";
import { Agent, type IncomingMessage, request } from "node:http";
import { afterEach, beforeEach, describe, it } from "node:test";
import type { VersoStore } from "../../src/core/store.js";
import { internalsOf } from "../../src/core/store-internals.js";
import { openStore } from "../../src/open-store.js";
import type { Page } from "../../src/protocol/types.js";
import { type RunningServer, startServer } from "../../src/server/serve.js";
import { until } from "./helpers.js";

/** A request whose path is sent byte for byte (fetch would resolve "." and ".." first). */
function rawRequest(url: string, method: string, path: string): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, path }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        text += chunk;
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
    });
    req.on("error", reject);
    req.end();
  });
}

describe("a listening server (startServer on port 0)", () => {
  let store: VersoStore;
  let server: RunningServer;
  beforeEach(async () => {
    store = await openStore({ path: ":memory:", maintenanceIntervalMs: 0 });
    server = await startServer({ store, host: "127.0.0.1", port: 0, log: () => {} });
  });
  afterEach(async () => {
    // A failed test may leave a connection open; cut it so a broken stop() fails fast.
    server.app.server.closeAllConnections();
    await server.stop();
    await store.close();
  });

  it("answers over real HTTP", async () => {
    assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.notEqual(server.url, "http://127.0.0.1:0");
    const put = await fetch(`${server.url}/v1/regions/live/collections/c/rows/a%2Fb`, {
      method: "PUT",
      headers: { "content-type": "application/json", "verso-protocol": "1" },
      body: JSON.stringify({ hello: "world" }),
    });
    assert.equal(put.status, 200);
    assert.equal(put.headers.get("etag"), '"1"');
    assert.deepEqual(await put.json(), { region: "live", collection: "c", key: "a/b", version: 1 });
    const get = await fetch(`${server.url}/v1/regions/live/collections/c/rows/a%2Fb`);
    assert.deepEqual(await get.json(), { key: "a/b", version: 1, value: { hello: "world" } });
    const regions = await fetch(`${server.url}/v1/regions`);
    assert.equal(regions.headers.get("content-type"), "application/json; charset=utf-8");
    assert.equal(((await regions.json()) as { regions: unknown[] }).regions.length, 1);
  });

  it('refuses "." and ".." as names when they do reach the server', async () => {
    for (const path of [
      "/v1/regions/live/collections/c/rows/..",
      "/v1/regions/live/collections/c/rows/.",
      "/v1/regions/live/collections/../rows/k",
      "/v1/regions/../next-version",
    ]) {
      const res = await rawRequest(server.url, path.endsWith("next-version") ? "POST" : "GET", path);
      assert.equal(res.status, 400, path);
      assert.equal((res.body as { error: { code: string } }).error.code, "bad_request", path);
    }
    assert.deepEqual(await store.regions(), []);
  });

  // waitMs stays short enough that a stop() which waits it out fails the test promptly.
  it("stop() lets an in-flight long-poll finish instead of hanging", { timeout: 10_000 }, async () => {
    const head = (await store.put("live", "c", "k", 1)).version;
    const longPoll = fetch(`${server.url}/v1/regions/live/changes?since=${head}&waitMs=20000`);
    await until(() => internalsOf(store).notifier.waiting === 1, "the long-poll waits");
    const started = Date.now();
    const stopped = server.stop();
    const res = await longPoll;
    assert.equal(res.status, 200);
    const page = (await res.json()) as Page;
    assert.deepEqual(page.ops, []);
    assert.equal(page.cursor, head);
    await stopped;
    assert.ok(Date.now() - started < 5_000, "stopping did not wait out waitMs");
    await assert.rejects(fetch(`${server.url}/v1/regions`), "no longer listening");
  });

  it("stop() lets a request still being received finish, then stops without idling on keep-alive", { timeout: 10_000 }, async () => {
    const url = new URL(`${server.url}/v1/regions/live/collections/c/rows/k`);
    const agent = new Agent({ keepAlive: true });
    try {
      const received = once(server.app.server, "request");
      const req = request(url, { method: "PUT", agent, headers: { "content-type": "application/json", "content-length": "15" } });
      const answered = once(req, "response") as Promise<[IncomingMessage]>;
      req.write('{"half":');
      await received;
      const started = Date.now();
      const stopped = server.stop();
      req.end('"done"}');
      const [res] = await answered;
      res.resume();
      assert.equal(res.statusCode, 200);
      await stopped;
      assert.ok(Date.now() - started < 5_000, `stop() took ${Date.now() - started} ms`);
      assert.equal((await store.getVersion("live")).version, 1, "the store stays open after stop(): its owner closes it");
    } finally {
      agent.destroy();
    }
  });
});
