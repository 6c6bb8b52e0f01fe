/**
 * Reads of the replica in-process: a reset in progress is invisible to readers (property,
 * readers running while scripted resets are applied page by page), the version barrier
 * of get/list/waitFor woken by applied pages, and the listener over a Unix socket with a
 * token.
 */
import assert from "node:assert/strict";
import { request as httpRequest } from "node:http";
import { join } from "node:path";
import { describe, it } from "node:test";
import fc from "fast-check";
import { startReadListener } from "../../src/agent/read-listener.js";
import { openReplica } from "../../src/agent/replica.js";
import { ReplicaReader } from "../../src/agent/replica-reader.js";
import type { FeedTransport } from "../../src/agent/transport.js";
import type { FeedEvent } from "../../src/client/feed.js";
import { ConsistencyTimeoutError } from "../../src/protocol/errors.js";
import type { Page } from "../../src/protocol/types.js";
import { tempDir } from "./helpers.js";

type State = Map<string, number>;

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Each state as a reset of several pages; versions rise across states. */
function resetPages(states: State[], cuts: number[][]): Page[] {
  const pages: Page[] = [];
  let version = 0;
  states.forEach((state, i) => {
    const puts = [...state].map(([key, value]) => ({ op: "put" as const, collection: "c", key, version: ++version, value }));
    const head = ++version;
    const sizes = cuts[i] ?? [];
    const chunks: Array<typeof puts> = [];
    let at = 0;
    for (const size of sizes) {
      if (at >= puts.length) break;
      chunks.push(puts.slice(at, at + size));
      at += size;
    }
    chunks.push(puts.slice(at));
    chunks.forEach((ops, j) => {
      const last = j === chunks.length - 1;
      pages.push({
        region: "eu",
        epoch: `e${i}`,
        reset: j === 0,
        ops: j === 0 ? [{ op: "clear" }, ...ops] : ops,
        cursor: last ? head : (ops.at(-1)?.version ?? head),
        head,
        more: !last,
      });
    });
  });
  return pages;
}

function scripted(pages: Page[], sent: { done: boolean }): FeedTransport {
  return async function* (_position, signal) {
    for (const page of pages.splice(0)) {
      await turn();
      yield { type: "changes", page } satisfies FeedEvent;
      await turn();
    }
    sent.done = true;
    await new Promise<void>((resolve) => signal.addEventListener("abort", () => resolve(), { once: true }));
  };
}

function httpGet(socketPath: string, path: string, headers: Record<string, string> = {}, method = "GET") {
  return new Promise<{ status: number; body: string; headers: Record<string, unknown> }>((resolve, reject) => {
    const req = httpRequest({ socketPath, path, method, headers }, (response) => {
      let body = "";
      response.setEncoding("utf8").on("data", (chunk: string) => (body += chunk));
      response.on("end", () => resolve({ status: response.statusCode ?? 0, body, headers: response.headers }));
    });
    req.on("error", reject);
    req.end();
  });
}

const stateArb = fc.dictionary(fc.constantFrom(..."abcdefghijkl".split("")), fc.integer({ min: 0, max: 99 }), { maxKeys: 12 });

describe("replica reads", () => {
  it("a reset in progress is invisible: every read is one whole state (property)", async (t) => {
    const dir = tempDir(t);
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(stateArb, { minLength: 1, maxLength: 4 }),
        fc.array(fc.array(fc.integer({ min: 1, max: 4 }), { maxLength: 5 }), { minLength: 4, maxLength: 4 }),
        async (objects, cuts) => {
          const states = objects.map((o) => new Map(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : 1))));
          const sent = { done: false };
          const socket = join(dir, `r${run}.sock`);
          const replica = openReplica({
            server: "http://unused",
            region: "eu",
            path: join(dir, `r${run++}.db`),
            transport: scripted(resetPages(states, cuts), sent),
          });
          const listener = await startReadListener({ replica, address: { kind: "unix", path: socket }, server: "http://unused" });
          try {
            const whole = [new Map<string, number>(), ...states].map((s) => JSON.stringify([...s]));
            const reads: string[] = [];
            const readers = [0, 1, 2].map(async (n) => {
              while (!sent.done) {
                if (n === 0) reads.push(JSON.stringify(replica.list("c").map((r) => [r.key, r.value])));
                else {
                  const { body } = await httpGet(socket, "/v1/regions/eu/collections/c/rows?limit=10000");
                  const rows = (JSON.parse(body) as { rows: Array<{ key: string; value: number }> }).rows;
                  reads.push(JSON.stringify(rows.map((r) => [r.key, r.value])));
                }
                await turn();
              }
            });
            await Promise.all(readers);
            for (const read of reads) assert.ok(whole.includes(read), `a read saw a mix: ${read}`);
            assert.equal(JSON.stringify(replica.list("c").map((r) => [r.key, r.value])), whole.at(-1));
          } finally {
            await listener.stop();
            await replica.stop();
          }
        },
      ),
      { numRuns: 25 },
    );
  });

  it("get, list and waitFor wait for a version and are woken by the page that applies it", async (t) => {
    const dir = tempDir(t);
    let release: ((page: Page) => void) | undefined;
    const transport: FeedTransport = async function* (_position, signal) {
      for (;;) {
        const page = await new Promise<Page | undefined>((resolve) => {
          release = resolve;
          signal.addEventListener("abort", () => resolve(undefined), { once: true });
        });
        if (!page) return;
        yield { type: "changes", page } satisfies FeedEvent;
      }
    };
    const replica = openReplica({ server: "http://unused", region: "eu", path: join(dir, "r.db"), transport });
    t.after(() => replica.stop());
    const base = { region: "eu", epoch: "e", more: false } as const;
    await assert.rejects(replica.get("c", "k", { minVersion: 1, timeoutMs: 30 }), (error: unknown) => {
      assert.ok(error instanceof ConsistencyTimeoutError);
      assert.deepEqual(error.extra, { minVersion: 1, version: 0 });
      return true;
    });
    await assert.rejects(replica.waitFor(1, { timeoutMs: 10 }), ConsistencyTimeoutError);
    const reading = replica.get("c", "k", { minVersion: 2, timeoutMs: 10_000 });
    const listing = replica.list("c", { minVersion: 2, timeoutMs: 10_000 });
    const waiting = replica.waitFor(2);
    let settled = false;
    void reading.then(() => (settled = true));
    while (!release) await turn();
    release({
      ...base,
      reset: true,
      ops: [{ op: "clear" }, { op: "put", collection: "c", key: "k", version: 1, value: 1 }],
      cursor: 1,
      head: 2,
    });
    for (let i = 0; i < 20; i++) await turn();
    assert.equal(settled, false, "version 1 does not satisfy minVersion 2");
    release({ ...base, reset: false, ops: [{ op: "put", collection: "c", key: "k", version: 2, value: 2 }], cursor: 2, head: 2 });
    assert.deepEqual(await reading, { key: "k", version: 2, value: 2 });
    assert.deepEqual(await listing, [{ key: "k", version: 2, value: 2 }]);
    await waiting;
    assert.deepEqual(replica.get("c", "k"), { key: "k", version: 2, value: 2 }, "without options get stays synchronous");
  });

  it("the listener on a Unix socket: token, 405 for writes, the feed with its floor, HEAD, bad names", async (t) => {
    const dir = tempDir(t);
    const transport: FeedTransport = async function* (_position, signal) {
      yield {
        type: "changes",
        page: {
          region: "eu",
          epoch: "e",
          reset: true,
          ops: [{ op: "clear" }, { op: "put", collection: "c", key: "a/b", version: 3, value: [1] }],
          cursor: 3,
          head: 3,
          more: false,
        },
      } satisfies FeedEvent;
      await new Promise<void>((resolve) => signal.addEventListener("abort", () => resolve(), { once: true }));
    };
    const replica = openReplica({ server: "http://cp:7070", region: "eu", path: join(dir, "r.db"), transport });
    t.after(() => replica.stop());
    await replica.waitFor(3);
    const socket = join(dir, "agent.sock");
    const listener = await startReadListener({
      replica,
      address: { kind: "unix", path: socket },
      token: "s3cret",
      server: "http://cp:7070",
    });
    t.after(() => listener.stop());
    const auth = { authorization: "Bearer s3cret" };
    const row = "/v1/regions/eu/collections/c/rows/a%2Fb";

    const refused = await httpGet(socket, row);
    assert.equal(refused.status, 401);
    assert.equal(JSON.parse(refused.body).error.code, "unauthorized");
    assert.equal((await httpGet(socket, row, { authorization: "Bearer wrong" })).status, 401);
    assert.equal((await httpGet(socket, "/healthz")).status, 200, "/healthz needs no token");

    const ok = await httpGet(socket, row, auth);
    assert.deepEqual([ok.status, JSON.parse(ok.body), ok.headers.etag], [200, { key: "a/b", version: 3, value: [1] }, '"3"']);
    const head = await httpGet(socket, row, auth, "HEAD");
    assert.deepEqual([head.status, head.body, head.headers.etag], [200, "", '"3"']);
    const write = await httpGet(socket, row, auth, "DELETE");
    assert.equal(write.status, 405);
    assert.equal(write.headers.allow, "GET, HEAD");
    assert.deepEqual(Object.keys(JSON.parse(write.body)), ["error"]);
    assert.match(JSON.parse(write.body).error.message, /http:\/\/cp:7070/);
    for (const path of ["/v2/x", "/v1/regions/eu/collections/c/rows/nope", "/v1/regions/eu/changes/x"]) {
      const answer = await httpGet(socket, path, auth);
      assert.equal(answer.status, 404, path);
      assert.equal(JSON.parse(answer.body).error.code, "not_found", path);
    }
    const watchHead = await httpGet(socket, "/v1/regions/eu/watch", auth, "HEAD");
    assert.equal(watchHead.status, 404, "no HEAD for a stream, as on the server");
    // The file was filled by a reset at 3: it knows nothing before, so 3 is its floor.
    const fromNothing = await httpGet(socket, "/v1/regions/eu/changes", auth);
    assert.equal(fromNothing.headers["cache-control"], "no-store");
    const resetPage = {
      region: "eu",
      epoch: "e",
      reset: true,
      ops: [{ op: "clear" }, { op: "put", collection: "c", key: "a/b", version: 3, value: [1] }],
      cursor: 3,
      head: 3,
      more: false,
      resetRows: 1,
    };
    assert.deepEqual(JSON.parse(fromNothing.body), resetPage);
    assert.deepEqual(
      JSON.parse((await httpGet(socket, "/v1/regions/eu/changes?since=2&epoch=e", auth)).body),
      resetPage,
      "below the floor",
    );
    assert.deepEqual(JSON.parse((await httpGet(socket, "/v1/regions/eu/changes?since=3&epoch=x", auth)).body), resetPage, "another epoch");
    const { resetRows: _, ...incremental } = resetPage;
    assert.deepEqual(JSON.parse((await httpGet(socket, "/v1/regions/eu/changes?since=3&epoch=e", auth)).body), {
      ...incremental,
      reset: false,
      ops: [],
    });
    const badSince = await httpGet(socket, "/v1/regions/eu/changes?since=-1", auth);
    assert.deepEqual([badSince.status, JSON.parse(badSince.body).error.code], [400, "bad_request"]);
    const bad = await httpGet(socket, "/v1/regions/eu/collections/c/rows?limit=abc", auth);
    assert.deepEqual([bad.status, JSON.parse(bad.body).error.code], [400, "bad_request"]);
    const badName = await httpGet(socket, "/v1/regions/e%20u", auth);
    assert.deepEqual([badName.status, JSON.parse(badName.body).error.code], [400, "bad_request"]);
    const region = JSON.parse((await httpGet(socket, "/v1/regions/eu", auth)).body);
    assert.deepEqual(region, { region: "eu", epoch: "e", version: 3, floor: 3, head: 3, lagVersions: 0 });
  });

  it("purges tombstones older than its retention after a page, raising the floor its feed is served from", async (t) => {
    const dir = tempDir(t);
    const pages: Page[] = [];
    let wake: (() => void) | undefined;
    const transport: FeedTransport = async function* (_position, signal) {
      for (;;) {
        while (pages.length === 0) {
          if (signal.aborted) return;
          await new Promise<void>((resolve) => {
            wake = resolve;
            signal.addEventListener("abort", () => resolve(), { once: true });
          });
        }
        yield { type: "changes", page: pages.shift() as Page } satisfies FeedEvent;
      }
    };
    const send = (page: Page) => {
      pages.push(page);
      wake?.();
    };
    const path = join(dir, "r.db");
    const replica = openReplica({ server: "http://unused", region: "eu", path, transport, tombstoneRetentionMs: 20 });
    t.after(() => replica.stop());
    const base = { region: "eu", epoch: "e", more: false } as const;
    send({ ...base, reset: true, ops: [{ op: "clear" }], cursor: 0, head: 0 });
    send({ ...base, reset: false, ops: [{ op: "put", collection: "c", key: "a", version: 1, value: 1 }], cursor: 1, head: 1 });
    send({ ...base, reset: false, ops: [{ op: "del", collection: "c", key: "a", version: 2 }], cursor: 2, head: 2 });
    await replica.waitFor(2);
    assert.equal(replica.floor, 0, "a fresh tombstone is kept");
    assert.equal(replica.get("c", "a"), undefined, "reads ignore it");
    const reader = new ReplicaReader(path);
    t.after(() => reader.close());
    assert.deepEqual(reader.page({ region: "eu", since: 1, epoch: "e", limit: 10 }).ops, [
      { op: "del", collection: "c", key: "a", version: 2 },
    ]);
    // Once it is older than the retention, the next page purges it (at most once per retention here).
    const old = Date.now() + 25;
    while (Date.now() < old) await turn();
    send({ ...base, reset: false, ops: [{ op: "put", collection: "c", key: "b", version: 3, value: 3 }], cursor: 3, head: 3 });
    await replica.waitFor(3);
    assert.equal(replica.floor, 2);
    assert.equal(reader.page({ region: "eu", since: 1, epoch: "e", limit: 10 }).reset, true, "below the new floor: a reset");
    assert.deepEqual(reader.page({ region: "eu", since: 2, epoch: "e", limit: 10 }).ops, [
      { op: "put", collection: "c", key: "b", version: 3, valueJson: "3" },
    ]);
  });

  it("refuses to listen beyond loopback without a token", async (t) => {
    const dir = tempDir(t);
    const replica = openReplica({ server: "http://unused", region: "eu", path: join(dir, "r.db"), transport: async function* () {} });
    t.after(() => replica.stop());
    await assert.rejects(
      startReadListener({ replica, address: { kind: "tcp", host: "0.0.0.0", port: 0 }, server: "http://unused" }),
      /--listen-token/,
    );
  });
});
