import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { setImmediate as nextTurn } from "node:timers/promises";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { SharedFeed } from "../../src/core/shared-feed.js";
import { VersoStore } from "../../src/core/store.js";
import { internalsOf } from "../../src/core/store-internals.js";
import type { Page } from "../../src/protocol/types.js";
import { startServer } from "../../src/server/serve.js";
import { SqliteStorage } from "../../src/storage/sqlite/sqlite-storage.js";
import type { Storage } from "../../src/storage/storage.js";
import { SseReader } from "./sse-reader.js";
import { watchUrl } from "./watch-server.js";

/** A store whose storage counts feed and region reads. */
async function countingStore(): Promise<{ store: VersoStore; reads: { changes: number; region: number } }> {
  const reads = { changes: 0, region: 0 };
  const sqlite = new SqliteStorage({ path: ":memory:" });
  const storage = new Proxy(sqlite, {
    get(target, property) {
      if (property === "changes" || property === "region") {
        return (...args: unknown[]) => {
          reads[property]++;
          return (target[property] as (...a: unknown[]) => unknown).apply(target, args);
        };
      }
      const value = Reflect.get(target, property, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  }) as Storage;
  return { store: new VersoStore(storage, { maintenanceIntervalMs: 0 }), reads };
}

describe("SharedFeed", () => {
  it("serves identical reads of one turn from one storage read", async () => {
    const { store, reads } = await countingStore();
    const feed = new SharedFeed(internalsOf(store).feedSource);
    try {
      await store.put("r", "c", "k", 1);
      await nextTurn();
      reads.changes = 0;
      const pages = await Promise.all(Array.from({ length: 50 }, () => feed.changes("r", { since: 0 })));
      assert.equal(reads.changes, 1);
      assert.ok(pages.every((p) => p === pages[0]));
      await feed.changes("r", { since: 1 });
      assert.equal(reads.changes, 2, "another cursor is another read");
      const resumable = await feed.changes("r", { since: 0 }, { resumableReset: true });
      assert.notEqual(resumable, pages[0], "a protocol 2 read is cut otherwise: not shared with protocol 1");
      assert.equal(reads.changes, 3);
      await nextTurn();
      assert.equal(await feed.changes("r", { since: 0 }), pages[0], "a page still held is kept past the turn");
      assert.equal(reads.changes, 3);
      await store.put("r", "c", "k", 2);
      const fresh = await feed.changes("r", { since: 0 });
      assert.equal(reads.changes, 4, "but not past the region's next commit");
      assert.equal(fresh.cursor, 2);
    } finally {
      feed.close();
      await store.close();
    }
  });

  it("forgets a page past the turn once nobody holds it", async () => {
    setFlagsFromString("--expose-gc");
    const gc = runInNewContext("gc") as () => void;
    const { store, reads } = await countingStore();
    const feed = new SharedFeed(internalsOf(store).feedSource);
    try {
      await store.put("r", "c", "k", 1);
      await nextTurn();
      reads.changes = 0;
      const cursor = (await feed.changes("r", { since: 0 })).cursor;
      assert.equal(cursor, 1);
      await nextTurn();
      gc();
      await nextTurn();
      await feed.changes("r", { since: 0 });
      assert.equal(reads.changes, 2, "read again: the first page was collected");
    } finally {
      feed.close();
      await store.close();
    }
  });

  it("never serves a page or head older than a commit it has seen", async () => {
    const { store, reads } = await countingStore();
    const feed = new SharedFeed(internalsOf(store).feedSource);
    try {
      await store.put("r", "c", "a", 1);
      // Within one turn: read, commit, read again. better-sqlite3 commits synchronously,
      // so the whole sequence stays inside the turn unless something awaits a timer.
      const before = await feed.changes("r", { since: 0 });
      assert.equal(await feed.head("r"), 1);
      const regionReads = reads.region;
      assert.equal(await feed.head("r"), 1);
      assert.equal(reads.region, regionReads, "the head came with the page");
      await internalsOf(store).storage.write([
        { kind: "txn", form: "put", region: "r", ops: [{ op: "put", collection: "c", key: "b", valueJson: "2" }] },
      ]);
      const after = await feed.changes("r", { since: 0 });
      assert.notEqual(after, before);
      assert.equal(after.cursor, 2);
      assert.equal(await feed.head("r"), 2);
    } finally {
      feed.close();
      await store.close();
    }
  });
});

describe("watch fan-out", () => {
  it("one commit read once for all watchers at the same cursor", async () => {
    const { store, reads } = await countingStore();
    const server = await startServer({ store, port: 0, log: () => {}, heartbeatMs: 60_000 });
    const readers: SseReader[] = [];
    try {
      await store.put("fan", "c", "k", 0);
      for (let i = 0; i < 20; i++) readers.push(await SseReader.open(watchUrl(server.url, "fan", { since: 1 })));
      for (const reader of readers) await reader.nextOf("progress");
      // A watcher joins its group before its first event is written, and the group waits once.
      assert.equal(internalsOf(store).notifier.waiting, 1, "one wait for all watchers at the same cursor");
      reads.changes = 0;
      const { version } = await store.put("fan", "c", "k", 1);
      for (const reader of readers) assert.equal((JSON.parse((await reader.nextOf("changes")).data) as Page).cursor, version);
      assert.equal(reads.changes, 1, `${reads.changes} feed reads for ${readers.length} watchers`);
    } finally {
      for (const reader of readers) reader.close();
      await server.stop();
      await store.close();
    }
  });
});
