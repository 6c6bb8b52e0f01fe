import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { internalsOf } from "../../src/core/store-internals.js";
import type { Page } from "../../src/protocol/types.js";
import { SseReader } from "./sse-reader.js";
import { startTestServer, until, watchUrl } from "./watch-server.js";

describe("watch: heartbeats and lifecycle", () => {
  it("sends progress with the head while idle, and changes as soon as a write lands", async () => {
    const t = await startTestServer({ heartbeatMs: 100 });
    try {
      const { version } = await t.store.put("hb", "c", "k", 1);
      const reader = await SseReader.open(watchUrl(t.url, "hb"));
      await reader.nextOf("changes");
      const started = Date.now();
      for (let i = 0; i < 3; i++) {
        const beat = await reader.next(2_000);
        assert.equal(beat.event, "progress");
        assert.deepEqual(JSON.parse(beat.data), { head: version });
      }
      // Three beats 100 ms apart: not sent in a burst, not held back for long.
      const elapsed = Date.now() - started;
      assert.ok(elapsed >= 250 && elapsed < 2_000, `three heartbeats took ${elapsed} ms`);
      await t.store.put("hb", "c", "k", 2);
      const page = JSON.parse((await reader.nextOf("changes", 2_000)).data) as Page;
      assert.equal(page.cursor, version + 1);
      const beat = await reader.next(2_000);
      assert.deepEqual(JSON.parse(beat.data), { head: version + 1 });
      reader.close();
    } finally {
      await t.close();
    }
  });

  it("stop() ends every open stream cleanly and does not hang", { timeout: 10_000 }, async () => {
    const t = await startTestServer();
    try {
      await t.store.put("stop", "c", "k", 1);
      const readers = await Promise.all([1, 2, 3].map(() => SseReader.open(watchUrl(t.url, "stop"))));
      for (const reader of readers) await reader.nextOf("changes");
      const started = Date.now();
      await t.server.stop();
      assert.ok(Date.now() - started < 2_000, `stop took ${Date.now() - started} ms`);
      for (const reader of readers) assert.equal(await reader.ended, "end");
    } finally {
      await t.close();
    }
  });

  it("closing the app alone (an embedder's buildApp) also ends open streams", { timeout: 10_000 }, async () => {
    const t = await startTestServer();
    try {
      const reader = await SseReader.open(watchUrl(t.url, "embedded"));
      await reader.nextOf("changes");
      await t.server.app.close();
      assert.equal(await reader.ended, "end");
      assert.equal(internalsOf(t.store).notifier.waiting, 0);
    } finally {
      await t.close();
    }
  });

  it("releases a watcher's wait when its client goes away", async () => {
    const t = await startTestServer();
    try {
      const openStreams = async () => {
        const text = await (await fetch(`${t.url}/metrics`)).text();
        return Number(/^verso_watchers (\d+)$/m.exec(text)?.[1]);
      };
      const readers = await Promise.all([1, 2].map(() => SseReader.open(watchUrl(t.url, "gone"))));
      for (const reader of readers) await reader.nextOf("changes");
      // Watchers at the same position wait as one group: one waiter on the notifier.
      await until(() => internalsOf(t.store).notifier.waiting === 1, "the watchers to wait for commits");
      readers[0]!.close();
      await until(async () => (await openStreams()) === 1, "the closed watcher's stream to end");
      assert.equal(internalsOf(t.store).notifier.waiting, 1, "the remaining watcher still waits");
      await t.store.put("gone", "c", "k", 1);
      const page = JSON.parse((await readers[1]!.nextOf("changes")).data) as Page;
      assert.equal(page.cursor, 1, "the remaining watcher is unaffected");
      readers[1]!.close();
      await until(() => internalsOf(t.store).notifier.waiting === 0, "no watcher left waiting");
    } finally {
      await t.close();
    }
  });
});
