import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { VersoStore } from "../../src/core/store.js";
import type { ChangesQuery } from "../../src/model/raw-page.js";
import { openStore } from "../../src/open-store.js";
import { advance } from "../../src/protocol/feed-position.js";
import type { Page } from "../../src/protocol/types.js";
import { startServer } from "../../src/server/serve.js";
import { SqliteStorage } from "../../src/storage/sqlite/sqlite-storage.js";
import type { Storage } from "../../src/storage/storage.js";
import { SseReader } from "./sse-reader.js";
import { watchUrl } from "./watch-server.js";

/** 20 keys at versions 1-20, then k0 deleted at 21: a reset of 19 live rows. */
async function fill(store: VersoStore, region: string): Promise<void> {
  for (let i = 0; i < 20; i++) await store.put(region, "c", `k${i}`, i);
  await store.delete(region, "c", "k0");
}

function keysOf(pages: Page[]): string[] {
  return pages.flatMap((p) => p.ops.flatMap((op) => (op.op === "put" ? [op.key] : [])));
}

async function pagesUntilDone(reader: SseReader): Promise<Page[]> {
  const pages: Page[] = [];
  do pages.push(JSON.parse((await reader.nextOf("changes")).data) as Page);
  while (pages.at(-1)?.more);
  return pages;
}

describe("watch: a reset that spans pages", () => {
  it("continues past a compaction that raised the floor above its cursor, without restarting", async () => {
    let compactAfterFirstReset: (() => Promise<unknown>) | undefined;
    const sqlite = new SqliteStorage({ path: ":memory:" });
    // Between the reset's first page and the next, a compaction raises the floor.
    const storage = new Proxy(sqlite, {
      get(target, property) {
        if (property === "changes") {
          return async (query: ChangesQuery) => {
            const page = await target.changes(query);
            if (page.reset && compactAfterFirstReset) {
              const compact = compactAfterFirstReset;
              compactAfterFirstReset = undefined;
              await compact();
            }
            return page;
          };
        }
        const value = Reflect.get(target, property, target);
        return typeof value === "function" ? value.bind(target) : value;
      },
    }) as Storage;
    const store = new VersoStore(storage, { maintenanceIntervalMs: 0 });
    const server = await startServer({ store, port: 0, log: () => {}, heartbeatMs: 60_000 });
    try {
      await fill(store, "big");
      compactAfterFirstReset = () => store.compact("big", { beforeVersion: 21 });
      const reader = await SseReader.open(watchUrl(server.url, "big", { limit: 5 }));
      const pages = await pagesUntilDone(reader);
      reader.close();
      const first = pages[0]!;
      assert.equal(first.reset, true);
      assert.ok(first.cursor < (await store.getVersion("big")).floor, "the scenario puts the cursor below the new floor");
      assert.equal(pages.filter((p) => p.reset).length, 1, "the reset was not started again");
      assert.deepEqual(keysOf(pages).sort(), Array.from({ length: 19 }, (_, i) => `k${i + 1}`).sort());
      assert.equal(pages.at(-1)?.cursor, 21);
      assert.equal(keysOf([first]).length, 5, "the reset's first page is cut at the limit");
    } finally {
      await server.stop();
      await store.close();
    }
  });

  it("honours resetHead and limit from the query, as /changes does", async () => {
    const store = await openStore({ path: ":memory:", maintenanceIntervalMs: 0 });
    const server = await startServer({ store, port: 0, log: () => {}, heartbeatMs: 60_000 });
    try {
      await fill(store, "q");
      const { epoch } = await store.getVersion("q");
      await store.compact("q", { beforeVersion: 21 });
      // A reader that applied the reset's first page (cursor 6 of a reset at head 21).
      const resumed = await SseReader.open(watchUrl(server.url, "q", { since: 6, epoch, resetHead: 21, limit: 5 }));
      const pages = await pagesUntilDone(resumed);
      resumed.close();
      assert.equal(pages[0]?.reset, false);
      assert.deepEqual(keysOf(pages), ["k6", "k7", "k8", "k9", "k10", "k11", "k12", "k13", "k14", "k15", "k16", "k17", "k18", "k19"]);
      // Without resetHead the same cursor is stale.
      const stale = await SseReader.open(watchUrl(server.url, "q", { since: 6, epoch }));
      assert.equal((JSON.parse((await stale.nextOf("changes")).data) as Page).reset, true);
      stale.close();
    } finally {
      await server.stop();
      await store.close();
    }
  });
});

describe("watch: resets after compaction, by protocol", () => {
  const v2 = { "verso-protocol": "2" };

  it("protocol 2: reset pages keep to the limit; the event id carries the reset's head; a reconnect continues it", async () => {
    const store = await openStore({ path: ":memory:", maintenanceIntervalMs: 0 });
    const server = await startServer({ store, port: 0, log: () => {}, heartbeatMs: 60_000 });
    try {
      await fill(store, "p2");
      await store.compact("p2", { beforeVersion: 21 });
      const { epoch } = await store.getVersion("p2");
      const reader = await SseReader.open(watchUrl(server.url, "p2", { limit: 5 }), v2);
      const first = await reader.nextOf("changes");
      const firstPage = JSON.parse(first.data) as Page;
      assert.equal(firstPage.reset, true);
      assert.equal(keysOf([firstPage]).length, 5, "the reset's first page is cut at the limit");
      assert.ok(firstPage.cursor < 20, "its cursor lies below the floor");
      assert.equal(first.lastEventId, `${epoch}:${firstPage.cursor}:21`);
      reader.close();

      // Reconnect as EventSource would, from the first page's id: the reset goes on.
      const resumed = await SseReader.open(watchUrl(server.url, "p2", { limit: 5 }), { ...v2, "last-event-id": first.lastEventId });
      const rest = await pagesUntilDone(resumed);
      resumed.close();
      assert.equal(rest[0]?.reset, false, "the reset was not started again");
      assert.ok(
        rest.every((p) => p.ops.length <= 5),
        "every page keeps to the limit",
      );
      assert.deepEqual([...keysOf([firstPage]), ...keysOf(rest)].sort(), Array.from({ length: 19 }, (_, i) => `k${i + 1}`).sort());
      assert.equal(rest.at(-1)?.cursor, 21);
    } finally {
      await server.stop();
      await store.close();
    }
  });

  it("protocol 1: the live rows at or below the floor come in one page, and ids stay epoch:cursor", async () => {
    const store = await openStore({ path: ":memory:", maintenanceIntervalMs: 0 });
    const server = await startServer({ store, port: 0, log: () => {}, heartbeatMs: 60_000 });
    try {
      await fill(store, "p1");
      await store.put("p1", "c", "late", 1);
      await store.put("p1", "c", "later", 2);
      await store.compact("p1", { beforeVersion: 21 });
      const { epoch } = await store.getVersion("p1");
      const reader = await SseReader.open(watchUrl(server.url, "p1", { limit: 5 }));
      const first = await reader.nextOf("changes");
      const firstPage = JSON.parse(first.data) as Page;
      reader.close();
      assert.equal(firstPage.reset, true);
      assert.equal(keysOf([firstPage]).length, 19, "the compacted prefix comes whole");
      assert.equal(firstPage.cursor, 20);
      assert.equal(firstPage.more, true);
      assert.equal(first.lastEventId, `${epoch}:20`);
    } finally {
      await server.stop();
      await store.close();
    }
  });
});

describe("feed position", () => {
  const page = { cursor: 6, epoch: "e", head: 21, reset: true, more: true };
  it("remembers the head of a reset while its pages continue, and forgets it at the end", () => {
    const first = advance({}, page);
    assert.deepEqual(first, { since: 6, epoch: "e", resetHead: 21 });
    const middle = advance(first, { ...page, cursor: 12, head: 25, reset: false });
    assert.deepEqual(middle, { since: 12, epoch: "e", resetHead: 21 });
    assert.deepEqual(advance(middle, { ...page, cursor: 25, head: 25, reset: false, more: false }), { since: 25, epoch: "e" });
    assert.deepEqual(advance({ since: 3 }, { ...page, reset: false }), { since: 6, epoch: "e" }, "incremental pages carry none");
  });
});
