import assert from "node:assert/strict";
import { connect, type Socket } from "node:net";
import { describe, it } from "node:test";
import { VersoClient } from "../../src/client/http-client.js";
import type { Page } from "../../src/protocol/types.js";
import { SseReader } from "./sse-reader.js";
import { startTestServer, watchUrl } from "./watch-server.js";

/** A watch request on a raw socket that never reads its response: the consumer that stalls. */
function stalledWatcher(url: string, path: string): Promise<Socket> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port) });
    socket.pause();
    socket.once("error", reject);
    socket.once("connect", () => {
      socket.write(`GET ${path} HTTP/1.1\r\nHost: ${hostname}\r\nAccept: text/event-stream\r\n\r\n`);
      resolve(socket);
    });
  });
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

describe("watch: a consumer that stops reading", () => {
  it("is cut off past the buffer limit while writes keep their latency and other watchers keep receiving", async () => {
    const limit = 256 * 1024;
    const t = await startTestServer({ watchBufferBytes: limit });
    const client = new VersoClient({ server: t.url, retries: 0 });
    let stalled: Socket | undefined;
    let healthy: SseReader | undefined;
    try {
      const timedWrite = async (key: string, value: unknown): Promise<number> => {
        const started = performance.now();
        await client.put("slow", "small", key, value as number);
        return performance.now() - started;
      };
      await timedWrite("warm-up", 0);
      const before: number[] = [];
      for (let i = 0; i < 20; i++) before.push(await timedWrite(`before-${i}`, i));

      healthy = await SseReader.open(watchUrl(t.url, "slow"));
      stalled = await stalledWatcher(t.url, "/v1/regions/slow/watch");
      // Let the stalled watcher's first page be read so it sits waiting for commits.
      await healthy.nextOf("changes");

      // Each big write adds ~100 KB to what the stalled consumer would have to take;
      // kernel socket buffers absorb a few MB first, then the server's own buffer grows.
      const big = "x".repeat(100 * 1024);
      const during: number[] = [];
      let head = 0;
      let cutAfter = -1;
      for (let i = 0; i < 400 && cutAfter < 0; i++) {
        head = (await client.put("slow", "big", `b${i % 8}`, big)).version;
        during.push(await timedWrite(`during-${i}`, i));
        head++;
        if (t.logs.some((line) => line.includes("cut off"))) cutAfter = i;
      }
      assert.ok(cutAfter >= 0, `the stalled consumer was never cut off; logs: ${t.logs.join(" | ")}`);

      // Writes did not slow down because of the stalled consumer (a generous bound: the
      // machine is shared, but a writer blocked on the consumer would take seconds).
      const base = median(before);
      const stalledMedian = median(during);
      assert.ok(
        stalledMedian < base * 5 + 100,
        `median write ${stalledMedian.toFixed(1)} ms during the stall vs ${base.toFixed(1)} ms before`,
      );

      // The healthy watcher received everything, up to the last write.
      let cursor = 0;
      while (cursor < head) cursor = (JSON.parse((await healthy.nextOf("changes")).data) as Page).cursor;
      assert.equal(cursor, head);

      // The cut connection is gone: once it reads again it reaches the end of its stream.
      const socket = stalled;
      const closed = new Promise<void>((resolve) => socket.once("close", () => resolve()));
      socket.on("error", () => {});
      socket.resume();
      await closed;
    } finally {
      stalled?.destroy();
      healthy?.close();
      await t.close();
    }
  });
});
