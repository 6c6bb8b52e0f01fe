import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { describe, it } from "node:test";
import Database from "better-sqlite3";
import { openReplica, type Replica } from "../../src/agent/replica.js";
import type { FeedTransport } from "../../src/agent/transport.js";
import type { FeedEvent, FeedPosition } from "../../src/client/feed.js";
import { VersoClient } from "../../src/client/http-client.js";
import type { Page } from "../../src/protocol/types.js";
import { until } from "../support/until.js";
import { liveRows, replicaRows, startTestServer, tempDir } from "./helpers.js";
import { startSseServer } from "./sse-server.js";

function page(partial: Partial<Page> & Pick<Page, "ops" | "cursor">): Page {
  return { region: "eu", epoch: "e1", reset: false, head: 9, more: false, ...partial };
}

const put = (key: string, version: number, value: number) => ({ op: "put" as const, collection: "c", key, version, value });

/** A server as a verso without the watch stream answers: 404 for /watch, the rest passed through. */
async function withoutWatch(target: string): Promise<{ url: string; close: () => Promise<void> }> {
  const server = createServer(async (request, response) => {
    if (request.url?.includes("/watch")) {
      response.writeHead(404, { "content-type": "application/json" });
      response.end(JSON.stringify({ error: { code: "not_found", message: "no route" } }));
      return;
    }
    const upstream = await fetch(target + (request.url ?? "/"), {
      method: request.method ?? "GET",
      headers: { "verso-protocol": String(request.headers["verso-protocol"] ?? "1") },
    });
    response.writeHead(upstream.status, { "content-type": upstream.headers.get("content-type") ?? "application/json" });
    response.end(await upstream.text());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

describe("transport abstraction", () => {
  it("applies scripted pages, resumes a reset from its own position after a disconnect, and hides it until done", async (t) => {
    const dir = tempDir(t);
    const path = join(dir, "replica.db");
    const asked: FeedPosition[] = [];
    // Connection 1: an initial state. Connection 2: a reset whose second page is followed by a drop.
    // Connection 3: the reset's last page.
    const script: Array<Array<Page | Error>> = [
      [page({ reset: true, ops: [{ op: "clear" }, put("a", 1, 1), put("b", 2, 2)], cursor: 2, head: 2 })],
      [
        page({ epoch: "e2", reset: true, ops: [{ op: "clear" }, put("x", 3, 30)], cursor: 3, head: 9, more: true }),
        page({ epoch: "e2", ops: [put("y", 5, 50)], cursor: 5, head: 9, more: true }),
        new Error("connection lost"),
      ],
      [page({ epoch: "e2", ops: [put("a", 9, 90), { op: "del", collection: "c", key: "y", version: 9 }], cursor: 9, head: 9 })],
    ];
    let gate: (() => void) | undefined;
    const transport: FeedTransport = async function* (position, signal) {
      asked.push(position);
      const items = script.shift();
      if (!items) {
        await new Promise<void>((resolve) => signal.addEventListener("abort", () => resolve(), { once: true }));
        return;
      }
      if (asked.length === 2) await new Promise<void>((resolve) => (gate = resolve));
      for (const item of items) {
        if (item instanceof Error) throw item;
        yield { type: "changes", page: item } satisfies FeedEvent;
      }
    };
    const replica = openReplica({ server: "http://unused", region: "eu", path, transport, backoffMs: 1 });
    t.after(() => replica.stop());
    const changes: string[] = [];
    replica.on("change", (c) => changes.push(`${c.op} ${c.key}@${c.version}`));
    await replica.waitFor(2);
    assert.deepEqual(changes, ["put a@1", "put b@2"]);
    const seenMidReset: string[][] = [];
    replica.on("page", () => {
      if (replica.resetting) seenMidReset.push(replica.list("c").map((r) => r.key));
    });
    await until(() => gate !== undefined, "the second connection");
    gate?.();
    const reset = new Promise((resolve) => replica.once("reset", resolve));
    await replica.waitFor(9);
    assert.deepEqual(await reset, { epoch: "e2", cursor: 9, rows: 2 });
    assert.deepEqual(asked[2], { since: 5, epoch: "e2", resetHead: 9 }, "the third connection continues the reset");
    assert.deepEqual(seenMidReset, [
      ["a", "b"],
      ["a", "b"],
    ]);
    assert.deepEqual(
      replica.all().map((r) => [r.key, r.version, r.value]),
      [
        ["a", 9, 90],
        ["x", 3, 30],
      ],
    );
    assert.deepEqual(changes.slice(2), ["put x@3", "put a@9", "del b@9"]);
  });

  it("falls back from watch to poll when the server has no watch endpoint", async (t) => {
    const dir = tempDir(t);
    const server = await startTestServer(join(dir, "server.db"));
    t.after(() => server.stop());
    const older = await withoutWatch(server.url);
    t.after(() => older.close());
    for (let i = 0; i < 20; i++) await server.store.put("eu", "c", `k${i}`, i);
    const replica = openReplica({ server: older.url, region: "eu", path: join(dir, "replica.db"), waitMs: 1_000 });
    t.after(() => replica.stop());
    const fallback = new Promise<string>((resolve) => replica.once("fallback", resolve));
    await replica.waitFor(20);
    assert.match(await fallback, /no watch endpoint/);
    assert.equal(replica.transportInUse, "poll");
    assert.deepEqual(replicaRows(replica.all()), await liveRows(server.store, "eu", ["c"]));
  });
});

describe("client.watch over SSE", () => {
  it("yields the pages of the feed and resumes with Last-Event-ID after a dropped stream", async (t) => {
    const dir = tempDir(t);
    const server = await startTestServer(join(dir, "server.db"));
    t.after(() => server.stop());
    for (let i = 0; i < 30; i++) await server.store.put("eu", "c", `k${i % 12}`, i);
    const sse = await startSseServer(server.store, { limit: 4, idleMs: 200 });
    t.after(() => sse.close());
    sse.dropAfter = 2;
    const client = new VersoClient({ server: sse.url, backoffMs: 5 });
    const controller = new AbortController();
    const versions: number[] = [];
    let progress = 0;
    for await (const event of client.watch("eu", { signal: controller.signal, limit: 4 })) {
      if (event.type === "progress") {
        progress++;
        assert.equal(event.head, 30);
        controller.abort();
      } else {
        for (const op of event.page.ops) if (op.op !== "clear") versions.push(op.version);
      }
    }
    assert.equal(progress, 1);
    // The live rows (k0..k11 last written at versions 19..30), each once, in version order, across the drop.
    assert.deepEqual(versions, [19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30]);
    assert.equal(sse.connections.length, 2);
    assert.equal(sse.connections[0], undefined);
    assert.match(sse.connections[1] ?? "", /^.+:\d+$/);
  });

  it("drives an agent with transport watch", async (t) => {
    const dir = tempDir(t);
    const server = await startTestServer(join(dir, "server.db"));
    t.after(() => server.stop());
    const sse = await startSseServer(server.store, { limit: 7, idleMs: 300 });
    t.after(() => sse.close());
    sse.dropAfter = 3;
    for (let i = 0; i < 50; i++) await server.store.put("eu", "c", `k${i % 20}`, i);
    const replica: Replica = openReplica({
      server: sse.url,
      region: "eu",
      path: join(dir, "replica.db"),
      transport: "watch",
      backoffMs: 5,
    });
    t.after(() => replica.stop());
    await replica.waitFor(50);
    for (let i = 0; i < 30; i++) await server.store.delete("eu", "c", `k${i % 20}`).catch(() => undefined);
    await replica.waitFor((await server.store.getVersion("eu")).version);
    assert.equal(replica.transportInUse, "watch");
    assert.deepEqual(replicaRows(replica.all()), await liveRows(server.store, "eu", ["c"]));
  });
});

describe("replica file", () => {
  it("refuses a file with a newer state version, or of another region", async (t) => {
    const dir = tempDir(t);
    const newer = join(dir, "newer.db");
    const db = new Database(newer);
    db.pragma("user_version = 99");
    db.close();
    const before = readFileSync(newer);
    assert.throws(() => openReplica({ server: "http://unused", region: "eu", path: newer, transport: async function* () {} }), /newer/);
    assert.deepEqual(readFileSync(newer), before, "the refused file keeps its bytes (no switch to WAL)");
    assert.deepEqual(readdirSync(dir), ["newer.db"], "and no -wal or -shm file appeared");
    const path = join(dir, "eu.db");
    const transport: FeedTransport = async function* (_position, signal) {
      await new Promise((resolve) => signal.addEventListener("abort", resolve, { once: true }));
    };
    await openReplica({ server: "http://unused", region: "eu", path, transport }).stop();
    assert.throws(() => openReplica({ server: "http://unused", region: "us", path, transport }), /replicates region eu/);
  });
});
