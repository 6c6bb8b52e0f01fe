import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Page } from "../../src/protocol/types.js";
import { SseReader } from "./sse-reader.js";
import { regionUrl, startTestServer, type TestServer, watchUrl } from "./watch-server.js";

async function changesText(t: TestServer, region: string, query: Record<string, string | number>): Promise<string> {
  const response = await fetch(regionUrl(t.url, region, "changes", query));
  assert.equal(response.status, 200);
  return response.text();
}

describe("watch: pages as Server-Sent Events", () => {
  let t: TestServer;
  const readers: SseReader[] = [];
  const open = async (url: string, headers: Record<string, string> = {}) => {
    const reader = await SseReader.open(url, headers);
    readers.push(reader);
    return reader;
  };

  before(async () => {
    t = await startTestServer();
  });
  after(async () => {
    for (const r of readers) r.close();
    await t.close();
  });

  it("answers with the stream headers and, without since, a reset page", async () => {
    const reader = await open(watchUrl(t.url, "fresh"));
    assert.equal(reader.response.headers.get("content-type"), "text/event-stream");
    assert.equal(reader.response.headers.get("cache-control"), "no-store");
    assert.equal(reader.response.headers.get("x-accel-buffering"), "no");
    const first = await reader.next();
    assert.equal(first.event, "changes");
    const page = JSON.parse(first.data) as Page;
    assert.deepEqual(page, { region: "fresh", epoch: "", reset: true, ops: [{ op: "clear" }], cursor: 0, head: 0, more: false });
    assert.equal(first.lastEventId, ":0");
  });

  it("delivers each write as a page identical to the changes endpoint, id = epoch:cursor", async () => {
    await t.store.put("feed", "deployments", "d0", { n: 0 });
    const reader = await open(watchUrl(t.url, "feed"));
    const reset = await reader.nextOf("changes");
    const resetPage = JSON.parse(reset.data) as Page;
    assert.equal(resetPage.reset, true);
    assert.equal(reset.data, await changesText(t, "feed", {}));
    const epoch = resetPage.epoch;
    assert.notEqual(epoch, "");

    let cursor = resetPage.cursor;
    const seen: string[] = [];
    const writes = [
      () => t.store.put("feed", "deployments", "d1", { n: 1 }),
      () => t.store.put("feed", "deployments", "d2", { n: 2 }),
      () => t.store.delete("feed", "deployments", "d0"),
    ];
    for (const write of writes) {
      await write();
      const event = await reader.nextOf("changes");
      const page = JSON.parse(event.data) as Page;
      assert.equal(page.reset, false);
      // Compared while nothing newer exists, so the endpoint must answer the very same page.
      assert.equal(event.data, await changesText(t, "feed", { since: cursor, epoch }), "same JSON as GET /changes");
      assert.equal(event.lastEventId, `${epoch}:${page.cursor}`);
      for (const op of page.ops) if (op.op !== "clear") seen.push(`${op.op}:${op.key}@${op.version}`);
      cursor = page.cursor;
    }
    assert.deepEqual(seen, ["put:d1@2", "put:d2@3", "del:d0@4"]);
  });

  it("advances the cursor for a version that changed no row", async () => {
    const { version } = await t.store.put("nv", "c", "k", 1);
    const reader = await open(watchUrl(t.url, "nv", { since: version }));
    const hello = await reader.next();
    assert.equal(hello.event, "progress", "nothing newer than since: the stream says it is live");
    assert.deepEqual(JSON.parse(hello.data), { head: version });
    const next = await t.store.nextVersion("nv");
    const event = await reader.nextOf("changes");
    const page = JSON.parse(event.data) as Page;
    assert.deepEqual(page.ops, []);
    assert.equal(page.cursor, next.version);
  });

  it("resumes with Last-Event-ID (winning over ?since) and sends only newer changes", async () => {
    for (let i = 0; i < 3; i++) await t.store.put("resume", "c", `k${i}`, i);
    const first = await open(watchUrl(t.url, "resume"));
    const reset = await first.nextOf("changes");
    first.close();
    await t.store.put("resume", "c", "later", "x");
    const resumed = await open(watchUrl(t.url, "resume", { since: 0 }), { "last-event-id": reset.lastEventId });
    const event = await resumed.nextOf("changes");
    const page = JSON.parse(event.data) as Page;
    assert.equal(page.reset, false);
    assert.deepEqual(
      page.ops.map((op) => (op.op === "clear" ? "clear" : op.key)),
      ["later"],
    );
    assert.equal(page.cursor, 4);
  });

  it("resets a cursor above the head", async () => {
    await t.store.put("ahead", "c", "k", 1);
    const reader = await open(watchUrl(t.url, "ahead", { since: 99 }));
    const page = JSON.parse((await reader.nextOf("changes")).data) as Page;
    assert.equal(page.reset, true);
    assert.deepEqual(page.ops[0], { op: "clear" });
    assert.equal(page.cursor, 1);
  });

  it("resets a Last-Event-ID from another epoch", async () => {
    for (let i = 0; i < 4; i++) await t.store.put("epochs", "c", `k${i}`, i);
    const reader = await open(watchUrl(t.url, "epochs"), { "last-event-id": "someOtherEpoch:2" });
    const page = JSON.parse((await reader.nextOf("changes")).data) as Page;
    assert.equal(page.reset, true);
    assert.equal(page.ops.length, 5);
    assert.equal(page.cursor, 4);
  });

  it("follows `more` at once: a backlog arrives page after page without waiting for a heartbeat", async () => {
    // 3 versions of 600 rows: the default limit of 1000 cuts after each version.
    for (let v = 0; v < 3; v++) {
      const ops = Array.from({ length: 600 }, (_, i) => ({ op: "put" as const, collection: "c", key: `v${v}-${i}`, value: i }));
      await t.store.transact("backlog", ops);
    }
    const reader = await open(watchUrl(t.url, "backlog", { since: 0 }));
    const pages: Page[] = [];
    do pages.push(JSON.parse((await reader.nextOf("changes", 3_000)).data) as Page);
    while (pages.at(-1)?.more);
    assert.deepEqual(
      pages.map((p) => [p.cursor, p.ops.length, p.more]),
      [
        [1, 600, true],
        [2, 600, true],
        [3, 600, false],
      ],
    );
  });

  it("refuses bad input with a 4xx JSON error before streaming", async () => {
    const cases: Array<[string, Record<string, string>]> = [
      [watchUrl(t.url, "ok", { since: "x" }), {}],
      [watchUrl(t.url, "bad name!"), {}],
      [watchUrl(t.url, "ok"), { "last-event-id": "no-cursor-here" }],
    ];
    for (const [url, headers] of cases) {
      const response = await fetch(url, { headers });
      assert.equal(response.status, 400, url);
      const body = (await response.json()) as { error: { code: string } };
      assert.equal(body.error.code, "bad_request");
    }
  });
});

describe("watch: a region re-created under another epoch", () => {
  it("sends a reset page to a reader resuming with the old epoch's id", async () => {
    const a = await startTestServer();
    let id: string;
    try {
      for (let i = 0; i < 3; i++) await a.store.put("r", "c", `old${i}`, i);
      const reader = await SseReader.open(watchUrl(a.url, "r"));
      id = (await reader.nextOf("changes")).lastEventId;
      reader.close();
    } finally {
      await a.close();
    }
    // A server that lost its state: same region name, new epoch, and a head past the old cursor.
    const b = await startTestServer();
    try {
      for (let i = 0; i < 5; i++) await b.store.put("r", "c", `new${i}`, i);
      const reader = await SseReader.open(watchUrl(b.url, "r"), { "last-event-id": id });
      const event = await reader.nextOf("changes");
      const page = JSON.parse(event.data) as Page;
      reader.close();
      assert.equal(page.reset, true);
      assert.notEqual(`${page.epoch}:3`, id);
      assert.deepEqual(
        page.ops.map((op) => (op.op === "clear" ? "clear" : op.key)),
        ["clear", "new0", "new1", "new2", "new3", "new4"],
      );
      assert.equal(event.lastEventId, `${page.epoch}:5`);
    } finally {
      await b.close();
    }
  });
});
