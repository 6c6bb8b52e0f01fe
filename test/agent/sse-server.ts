/**
 * A minimal watch endpoint for tests, written from the contract: `event: changes` with
 * a page, `id: epoch:cursor`, `event: progress` with the head when idle; resumes from
 * Last-Event-ID. It lets the client's SSE path be tested without the server's own.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { VersoStore } from "../../src/core/store.js";
import { internalsOf } from "../../src/core/store-internals.js";
import { serializePage } from "../../src/model/page-json.js";

export interface SseTestServer {
  url: string;
  /** Connections accepted so far, with the Last-Event-ID each sent. */
  connections: Array<string | undefined>;
  /** Drop each stream after this many change events (0 = never). */
  dropAfter: number;
  close: () => Promise<void>;
}

export async function startSseServer(store: VersoStore, options: { limit?: number; idleMs?: number } = {}): Promise<SseTestServer> {
  const state: SseTestServer = { url: "", connections: [], dropAfter: 0, close: async () => {} };
  const server: Server = createServer((request, response) => {
    serve(request, response).catch(() => response.destroy());
  });
  async function serve(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? "/", "http://x");
    const match = /^\/v1\/regions\/([^/]+)\/watch$/.exec(url.pathname);
    if (!match?.[1]) {
      response.writeHead(404, { "content-type": "application/json" }).end('{"error":{"code":"not_found","message":"no route"}}');
      return;
    }
    const region = decodeURIComponent(match[1]);
    const lastId = request.headers["last-event-id"];
    state.connections.push(typeof lastId === "string" ? lastId : undefined);
    let since: number | undefined = url.searchParams.has("since") ? Number(url.searchParams.get("since")) : undefined;
    let epoch = url.searchParams.get("epoch") ?? undefined;
    let resetHead: number | undefined = url.searchParams.has("resetHead") ? Number(url.searchParams.get("resetHead")) : undefined;
    if (typeof lastId === "string" && lastId.includes(":")) {
      const at = lastId.lastIndexOf(":");
      epoch = lastId.slice(0, at);
      since = Number(lastId.slice(at + 1));
    }
    response.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-store" });
    const closed = new AbortController();
    response.on("close", () => closed.abort());
    let sent = 0;
    while (!closed.signal.aborted && !response.destroyed) {
      // A closed store answers waits at once: yield to I/O so this loop can never starve it.
      await new Promise((resolve) => setImmediate(resolve));
      const page = await internalsOf(store).changesRaw(region, {
        ...(since !== undefined && { since, waitMs: options.idleMs ?? 500 }),
        ...(epoch !== undefined && { epoch }),
        ...(resetHead !== undefined && { resetHead }),
        ...(options.limit !== undefined && { limit: options.limit }),
        signal: closed.signal,
      });
      if (closed.signal.aborted) break;
      const moved = page.reset || page.ops.length > 0 || page.cursor !== since;
      if (!moved) {
        response.write(`event: progress\ndata: {"head":${page.head}}\n\n`);
        continue;
      }
      const event = `event: changes\nid: ${page.epoch}:${page.cursor}\ndata: ${serializePage(page)}\n\n`;
      resetHead = !page.more ? undefined : page.reset ? page.head : resetHead;
      since = page.cursor;
      epoch = page.epoch;
      if (state.dropAfter > 0 && ++sent >= state.dropAfter) {
        // An abrupt drop, once what was written has reached the socket.
        response.write(event, () => response.destroy());
        break;
      }
      response.write(event);
    }
  }
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  state.close = () =>
    new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return state;
}
