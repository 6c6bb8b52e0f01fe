import assert from "node:assert/strict";
import { once } from "node:events";
import { createServer, type ServerResponse } from "node:http";
import { type AddressInfo, connect, type Socket } from "node:net";
import { describe, it } from "node:test";
import fc from "fast-check";
import { internalsOf } from "../../src/core/store-internals.js";
import { serializePage } from "../../src/model/page-json.js";
import type { RawPage, RawPageOp } from "../../src/model/raw-page.js";
import { eventId, sseEvent } from "../../src/model/sse.js";
import { advance } from "../../src/protocol/feed-position.js";
import type { Page } from "../../src/protocol/types.js";
import { EncodedEvent, EventSink } from "../../src/server/encoded-event.js";
import { changesEvent } from "../../src/server/watch-events.js";
import { SseReader } from "./sse-reader.js";
import { startTestServer, until, watchUrl } from "./watch-server.js";

/** A watch over a bare socket that keeps every byte the server sends, to check the wire itself. */
class RawWatch {
  private bytes = Buffer.alloc(0);
  private constructor(private readonly socket: Socket) {
    socket.on("data", (chunk: Buffer) => {
      this.bytes = Buffer.concat([this.bytes, chunk]);
    });
  }

  static async open(url: string, path: string, http = "1.1"): Promise<RawWatch> {
    const { hostname, port } = new URL(url);
    const socket = connect({ host: hostname, port: Number(port) });
    await once(socket, "connect");
    socket.write(`GET ${path} HTTP/${http}\r\nHost: ${hostname}\r\nAccept: text/event-stream\r\n\r\n`);
    return new RawWatch(socket);
  }

  /** The response's head and the events of its body so far, chunked transfer coding checked and removed. */
  read(): { head: string; events: string[] } {
    const text = this.bytes.toString("latin1");
    const end = text.indexOf("\r\n\r\n");
    if (end < 0) return { head: "", events: [] };
    const head = text.slice(0, end);
    let body = this.bytes.subarray(Buffer.byteLength(text.slice(0, end + 4), "latin1"));
    if (/^transfer-encoding: chunked$/im.test(head)) {
      const parts: Buffer[] = [];
      for (;;) {
        const line = body.indexOf("\r\n");
        if (line < 0) break;
        const size = Number.parseInt(body.subarray(0, line).toString("latin1"), 16);
        assert.ok(Number.isInteger(size), `a chunk size line, got ${JSON.stringify(body.subarray(0, line).toString())}`);
        if (body.length < line + 2 + size + 2) break;
        assert.equal(body.subarray(line + 2 + size, line + 4 + size).toString(), "\r\n", "each chunk ends with CRLF");
        parts.push(body.subarray(line + 2, line + 2 + size));
        body = body.subarray(line + 4 + size);
      }
      body = Buffer.concat(parts);
    }
    const events = body
      .toString("utf8")
      .split("\n\n")
      .slice(0, -1)
      .map((e) => `${e}\n\n`);
    return { head, events };
  }

  async until(count: number, what: string): Promise<string[]> {
    await until(() => this.read().events.length >= count, what);
    return this.read().events;
  }

  close(): void {
    this.socket.destroy();
  }
}

const text = fc.string({ unit: "grapheme", maxLength: 12 });
const rawOp: fc.Arbitrary<RawPageOp> = fc.oneof(
  fc.record({
    op: fc.constant("put" as const),
    collection: text,
    key: text,
    version: fc.nat(),
    valueJson: fc.jsonValue().map((v) => JSON.stringify(v)),
  }),
  fc.record({ op: fc.constant("del" as const), collection: text, key: text, version: fc.nat() }),
);
const rawPage: fc.Arbitrary<RawPage> = fc.record({
  region: text,
  epoch: fc.string({ maxLength: 16 }).filter((e) => !e.includes(":") && !/[\r\n]/.test(e)),
  reset: fc.boolean(),
  ops: fc.array(rawOp, { maxLength: 6 }),
  cursor: fc.nat(),
  head: fc.nat(),
  more: fc.boolean(),
});

describe("watch fan-out: shared encoded events", () => {
  it("a page's shared event holds exactly the bytes per-watcher framing produced", () => {
    fc.assert(
      fc.property(rawPage, fc.option(fc.nat(), { nil: undefined }), fc.boolean(), (page, since, resumableReset) => {
        const after = advance({ ...(since !== undefined && { since }), epoch: page.epoch }, page);
        const event = changesEvent(page, after, { resumableReset });
        const resetHead = resumableReset ? after.resetHead : undefined;
        const expected = sseEvent(
          "changes",
          serializePage(page),
          eventId({ epoch: page.epoch, cursor: page.cursor, ...(resetHead !== undefined && { resetHead }) }),
        );
        assert.equal(event.plain.toString("utf8"), expected);
        const size = Buffer.byteLength(expected);
        assert.deepEqual(event.chunk, Buffer.concat([Buffer.from(`${size.toString(16)}\r\n`), Buffer.from(expected), Buffer.from("\r\n")]));
        assert.equal(changesEvent(page, after, { resumableReset }), event, "encoded once per page");
      }),
    );
  });

  it("writes on the wire what ServerResponse.write writes, chunked or not", async () => {
    const events = ["event: progress\ndata: {}\n\n", 'event: changes\nid: e:1\ndata: {"v":"ünïcødé ✓ 🚀"}\n\n', "x".repeat(70_000)];
    const server = createServer((request, response: ServerResponse) => {
      response.writeHead(200, { "content-type": "text/event-stream" });
      response.flushHeaders();
      const sink = new EventSink(response);
      for (const event of events) {
        if (request.url === "/shared") sink.write(new EncodedEvent(event));
        else response.write(event);
      }
      response.end();
    });
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    const { port } = server.address() as AddressInfo;
    const exchange = async (path: string, http: string) => {
      const socket = connect(port, "127.0.0.1");
      socket.write(`GET ${path} HTTP/${http}\r\nHost: x\r\nConnection: close\r\n\r\n`);
      const parts: Buffer[] = [];
      socket.on("data", (chunk: Buffer) => parts.push(chunk));
      await once(socket, "close");
      // The Date header may tick between the two answers.
      return Buffer.concat(parts)
        .toString("latin1")
        .replace(/\r\ndate: [^\r]*/i, "");
    };
    try {
      for (const http of ["1.1", "1.0"]) {
        const written = await exchange("/written", http);
        assert.ok(written.includes("id: e:1"), "the exchange carried the events");
        assert.equal(await exchange("/shared", http), written, `HTTP/${http}`);
      }
    } finally {
      server.close();
    }
  });
});

describe("watch fan-out: groups", () => {
  it("watchers at the same position share one wait, and every watcher gets identical bytes, HTTP/1.0 ones too", async () => {
    const t = await startTestServer();
    const watches: RawWatch[] = [];
    try {
      await t.store.put("g", "c", "k", 0);
      for (let i = 0; i < 8; i++) watches.push(await RawWatch.open(t.url, "/v1/regions/g/watch"));
      watches.push(await RawWatch.open(t.url, "/v1/regions/g/watch", "1.0"));
      for (const watch of watches) await watch.until(1, "the reset page");
      await until(() => internalsOf(t.store).notifier.waiting === 1, "one wait for the group");
      for (let n = 1; n <= 3; n++) {
        await t.store.put("g", "c", `k${n}`, { n, text: "ünïcødé" });
        const [first, ...others] = await Promise.all(watches.map((watch) => watch.until(n + 1, `event ${n + 1}`)));
        for (const events of others) assert.deepEqual(events, first);
      }
      const heads = watches.map((watch) => watch.read().head);
      assert.match(heads[0] ?? "", /^transfer-encoding: chunked$/im);
      assert.doesNotMatch(heads.at(-1) ?? "", /transfer-encoding/i, "an HTTP/1.0 response is not chunked");
    } finally {
      for (const watch of watches) watch.close();
      await t.close();
    }
  });

  it("watchers that started at other positions meet in one group once they reach the head", async () => {
    const t = await startTestServer();
    const readers: SseReader[] = [];
    try {
      for (let i = 0; i < 4; i++) await t.store.put("m", "c", `k${i}`, i);
      const { epoch } = await t.store.getVersion("m");
      for (const query of [{}, { since: 0 }, { since: 2, epoch }, { since: 4, epoch }])
        readers.push(await SseReader.open(watchUrl(t.url, "m", query)));
      for (const reader of readers.slice(0, 3)) await reader.nextOf("changes");
      await readers[3]!.nextOf("progress");
      await until(() => internalsOf(t.store).notifier.waiting === 1, "the watchers to wait as one group (all at cursor 4)");
      const { version } = await t.store.put("m", "c", "k9", 9);
      for (const reader of readers) {
        const page = JSON.parse((await reader.nextOf("changes")).data) as Page;
        assert.deepEqual([page.cursor, page.ops.map((op) => op.op !== "clear" && op.key)], [version, ["k9"]]);
      }
    } finally {
      for (const reader of readers) reader.close();
      await t.close();
    }
  });

  it("hands a commit that spans pages to each watcher, which paces it and then rejoins", async () => {
    const t = await startTestServer();
    const readers: SseReader[] = [];
    try {
      await t.store.put("p", "c", "k", 0);
      for (let i = 0; i < 3; i++) readers.push(await SseReader.open(watchUrl(t.url, "p", { limit: 1 })));
      for (const reader of readers) await reader.nextOf("changes");
      await until(() => internalsOf(t.store).notifier.waiting === 1, "one group");
      // Committed together (one batch), so the group wakes to three versions and pages of one.
      const versions = (await Promise.all([1, 2, 3].map((n) => t.store.put("p", "c", `k${n}`, n)))).map((r) => r.version);
      for (const reader of readers) {
        const cursors: number[] = [];
        let page: Page;
        do {
          page = JSON.parse((await reader.nextOf("changes")).data) as Page;
          cursors.push(page.cursor);
        } while (page.more);
        assert.deepEqual(cursors, versions, "every version, in order, one page each");
      }
      await until(() => internalsOf(t.store).notifier.waiting === 1, "the watchers to wait as one group again");
      const { version } = await t.store.put("p", "c", "last", 4);
      for (const reader of readers) assert.equal((JSON.parse((await reader.nextOf("changes")).data) as Page).cursor, version);
    } finally {
      for (const reader of readers) reader.close();
      await t.close();
    }
  });
});

describe("watch fan-out: a reset streamed page by page", () => {
  it("arrives whole and in order, for any number of rows and page size, then the stream goes live", async () => {
    const t = await startTestServer();
    let run = 0;
    try {
      await fc.assert(
        fc.asyncProperty(
          fc.integer({ min: 1, max: 40 }),
          fc.integer({ min: 1, max: 7 }),
          fc.array(fc.nat({ max: 39 }), { maxLength: 5 }),
          async (rows, limit, deletes) => {
            const region = `reset-${run++}`;
            for (let i = 0; i < rows; i++) await t.store.put(region, "c", `k${i}`, { i });
            const gone = new Set(deletes.filter((i) => i < rows));
            for (const i of gone) await t.store.delete(region, "c", `k${i}`);
            const { version: head } = await t.store.getVersion(region);
            // Two watchers at once: the second may share the first's pages and bytes.
            const readers = await Promise.all([1, 2].map(() => SseReader.open(watchUrl(t.url, region, { limit }))));
            try {
              const streams: string[][] = [];
              for (const reader of readers) {
                const pages: Page[] = [];
                do pages.push(JSON.parse((await reader.nextOf("changes")).data) as Page);
                while (pages.at(-1)?.more);
                assert.equal(pages[0]?.reset, true);
                assert.ok(
                  pages.slice(1).every((p) => !p.reset),
                  "one reset, then its continuation",
                );
                const cursors = pages.map((p) => p.cursor);
                assert.deepEqual(
                  cursors,
                  [...cursors].sort((a, b) => a - b),
                  "cursors in order",
                );
                assert.equal(pages.at(-1)?.cursor, head);
                const live = new Map<string, number>();
                for (const page of pages)
                  for (const op of page.ops) {
                    if (op.op === "put") live.set(op.key, op.version);
                    else if (op.op === "del") live.delete(op.key);
                  }
                const expected = Array.from({ length: rows }, (_, i) => i).filter((i) => !gone.has(i));
                assert.deepEqual([...live.keys()].sort(), expected.map((i) => `k${i}`).sort());
                streams.push(pages.map((p) => JSON.stringify(p)));
              }
              assert.deepEqual(streams[1], streams[0], "both watchers got the same pages");
              const { version } = await t.store.put(region, "c", "after", 1);
              for (const reader of readers) assert.equal((JSON.parse((await reader.nextOf("changes")).data) as Page).cursor, version);
            } finally {
              for (const reader of readers) reader.close();
            }
          },
        ),
        { numRuns: 8 },
      );
    } finally {
      await t.close();
    }
  });
});
