/**
 * The log destination gathers request lines and writes them together shortly after; other
 * lines go at once, after what was gathered. A quiet server's line still
 * appears by itself, and lines of a server stopped by SIGTERM are all written, in order.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { describe, it } from "node:test";
import fc from "fast-check";
import { isoTime } from "../../src/server/log-destination.js";
import { createLogger } from "../../src/server/logger.js";
import { startChildServer, stopChild } from "../support/child-process.js";

function recorder(): { stream: Writable; writes: string[]; written: Promise<void> } {
  const writes: string[] = [];
  let wrote = () => {};
  const written = new Promise<void>((resolve) => {
    wrote = resolve;
  });
  const stream = new Writable({
    write(chunk, _encoding, done) {
      writes.push(chunk.toString());
      wrote();
      done();
    },
  });
  return { stream, writes, written };
}

const turn = () => new Promise((resolve) => setImmediate(resolve));
const messages = (text: string) =>
  text
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => (JSON.parse(line) as { msg: string }).msg);

describe("log destination", () => {
  it("writes request lines together, shortly after, with nothing more logged", async () => {
    const out = recorder();
    const logger = createLogger({ format: "json", destination: out.stream });
    logger.info({ status: 200 }, "request");
    await turn();
    logger.info({ status: 201 }, "request");
    logger.info({ status: 204 }, "request");
    assert.deepEqual(out.writes, [], "gathered, not yet written");
    await out.written;
    assert.equal(out.writes.length, 1, "one write for the three lines, from two turns");
    assert.deepEqual(messages(out.writes[0] ?? ""), ["request", "request", "request"]);
  });

  it("a lifecycle or warning line goes at once, after the request lines before it", () => {
    const out = recorder();
    const logger = createLogger({ format: "json", destination: out.stream });
    logger.info({ status: 200 }, "request");
    logger.info("stopped");
    logger.warn({ status: 500 }, "request");
    assert.deepEqual(messages(out.writes.join("")), ["request", "stopped", "request"]);
    assert.equal(out.writes.length, 3, "the gathered line, then each at once");
  });

  it("past 64 KiB gathered, they are written at once", () => {
    const out = recorder();
    const logger = createLogger({ format: "json", destination: out.stream });
    const url = "x".repeat(1000);
    for (let i = 0; i < 70; i++) logger.info({ url }, "request");
    assert.equal(out.writes.length, 1);
    assert.ok((out.writes[0]?.length ?? 0) >= 64 * 1024);
    logger.flush();
    assert.equal(messages(out.writes.join("")).length, 70);
  });

  it("the pretty form gets whole lines, however many a write holds", async () => {
    const out = recorder();
    const logger = createLogger({ format: "pretty", destination: out.stream });
    logger.info({ status: 200 }, "request");
    logger.info({ status: 404 }, "request");
    await out.written;
    assert.deepEqual(out.writes.join("").split("\n"), ["verso: request status=200", "verso: request status=404", ""]);
  });

  it("the timestamp is the ISO time of the millisecond, as pino's own", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 253_402_300_799_000 }), { minLength: 1, maxLength: 20 }), (times) => {
        // Sorted and with neighbours in the same second, to pass through the per-second cache.
        const sorted = times.flatMap((t) => [t, t + 1, t + 999]).sort((a, b) => a - b);
        for (const t of sorted) assert.equal(isoTime(t), `,"time":"${new Date(t).toISOString()}"`);
      }),
    );
  });

  it("verso serve: a quiet server's request line appears by itself; after SIGTERM every line is on disk, in order", async () => {
    const dir = mkdtempSync(join(tmpdir(), "verso-log-destination-"));
    const server = await startChildServer(["--db", join(dir, "verso.db"), "--log-format", "json", "--synchronous", "normal"]);
    try {
      const answer = await fetch(`${server.url}/healthz`);
      assert.equal(answer.status, 200);
      await server.stderr.waitFor(/"msg":"request".*"route":"\/healthz"|"route":"\/healthz".*"msg":"request"/, 10_000);

      // A watch stream is in flight when the signal comes; it ends while the server stops.
      const abort = new AbortController();
      const watch = await fetch(`${server.url}/v1/regions/eu/watch`, { signal: abort.signal });
      assert.equal(watch.status, 200);
      const body = watch.body?.getReader();
      server.child.kill("SIGTERM");
      const exit = await server.exited;
      abort.abort();
      await body?.cancel().catch(() => undefined);
      assert.equal(exit.code, 0);
      const lines = server
        .log()
        .split("\n")
        .filter((line) => line.startsWith("{"))
        .map((line) => JSON.parse(line) as { msg: string; route?: string });
      const watchLine = lines.findIndex((line) => line.msg === "request" && line.route === "/v1/regions/:region/watch");
      const stopped = lines.findIndex((line) => line.msg === "stopped");
      assert.ok(watchLine >= 0, "the watch stream's request line was written before the process exited");
      assert.ok(stopped > watchLine, "and before the line that says the server stopped");
      assert.equal(stopped, lines.length - 1, "nothing after the last lifecycle line");
    } finally {
      await stopChild(server);
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
