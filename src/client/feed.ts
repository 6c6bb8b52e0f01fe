/**
 * The change feed as an async iterator of events, over either transport: the SSE
 * `watch` endpoint or long-polls of `changes`. Both track the position (cursor, epoch,
 * and the head of a reset that spans pages) from the pages they yield, so a consumer
 * that handles each event before pulling the next always resumes where it stopped.
 */
import { linkedPosition } from "../model/next-page-link.js";
import { VersoError } from "../protocol/errors.js";
import { advance, type FeedPosition, feedPosition } from "../protocol/feed-position.js";
import type { ChangesParams, Page } from "../protocol/types.js";
import { regionPath, schemaHeaders } from "./paths.js";
import { SseParser } from "./sse.js";
import type { HttpTransport } from "./transport.js";

export { advance, type FeedPosition };

export type FeedEvent = { type: "changes"; page: Page } | { type: "progress"; head: number };

/**
 * Where the feed starts (`since`, `epoch`, `resetHead`: a FeedPosition), ops per page
 * (`limit`, server default 1000), and for `follow` how long each long-poll waits for
 * news (`waitMs`, default 25 s; a stream needs no wait). Ends when `signal` aborts.
 */
export interface FeedOptions extends ChangesParams {
  signal?: AbortSignal;
}

function isAbort(error: unknown, signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true || (error as Error | undefined)?.name === "AbortError";
}

/**
 * Long-polls `GET /changes`; a poll that comes back with nothing new yields `progress`. Ends when `signal` aborts.
 *
 * The next page is asked for before this one is handled: as soon as a page's headers
 * name the next request (`Link: <…>; rel="next"`), so that the server reads and sends it
 * while this one is still received and parsed; otherwise, for a page that says more
 * follows, from the position after it, while the consumer applies it. Either way it is
 * what the consumer would ask next, and a read-ahead from any other position is dropped.
 * At most one page is read ahead; it is dropped, and its request aborted, when the
 * consumer leaves.
 */
export async function* follow(transport: HttpTransport, region: string, options: FeedOptions = {}): AsyncGenerator<FeedEvent> {
  const { signal } = options;
  const leaving = new AbortController();
  const requestSignal = signal ? AbortSignal.any([signal, leaving.signal]) : leaving.signal;
  const request = (from: FeedPosition): ReadAhead => {
    const response = transport.send({
      method: "GET",
      path: `${regionPath(region)}/changes`,
      query: {
        ...from,
        ...(options.limit !== undefined && { limit: options.limit }),
        ...(from.since !== undefined && { waitMs: options.waitMs ?? 25_000 }),
      },
      headers: schemaHeaders(options.schemas),
      signal: requestSignal,
    });
    // Settled when awaited; one the consumer never asks for must not be reported unhandled.
    response.catch(() => {});
    return { from, response };
  };
  let position: FeedPosition = feedPosition(options);
  let ahead: ReadAhead | undefined;
  try {
    while (!signal?.aborted) {
      let page: Page;
      try {
        const current = ahead !== undefined && samePosition(ahead.from, position) ? ahead : request(position);
        if (ahead !== current) drop(ahead);
        ahead = undefined;
        const response = await current.response;
        const linked = linkedPosition(response.headers.get("link"));
        if (linked) ahead = request(linked);
        page = await transport.body<Page>(response);
      } catch (error) {
        if (isAbort(error, signal)) return;
        throw error;
      }
      const moved = page.reset || page.ops.length > 0 || page.cursor !== position.since || page.epoch !== position.epoch;
      position = advance(position, page);
      if (!page.more) {
        drop(ahead);
        ahead = undefined;
      } else if (ahead === undefined || !samePosition(ahead.from, position)) {
        drop(ahead);
        ahead = request(position);
      }
      yield moved ? { type: "changes", page } : { type: "progress", head: page.head };
    }
  } finally {
    leaving.abort();
  }
}

interface ReadAhead {
  from: FeedPosition;
  response: Promise<Response>;
}

/** Lets go of a read-ahead that will not be used: its body is not read, so its connection is freed. */
function drop(ahead: ReadAhead | undefined): void {
  void ahead?.response.then((response) => response.body?.cancel()).catch(() => {});
}

function samePosition(a: FeedPosition, b: FeedPosition): boolean {
  return a.since === b.since && (a.epoch ?? "") === (b.epoch ?? "") && a.resetHead === b.resetHead;
}

/**
 * Streams `GET /watch` (SSE). A dropped stream reconnects with `Last-Event-ID` after the
 * transport's backoff; after `retries` connections in a row that delivered nothing, the
 * last error is thrown. A server without the endpoint fails the first connect with
 * NotFoundError. Ends when `signal` aborts.
 */
export async function* watch(transport: HttpTransport, region: string, options: FeedOptions = {}): AsyncGenerator<FeedEvent> {
  const { signal } = options;
  let position: FeedPosition = feedPosition(options);
  let failures = 0;
  let lastEventId = "";
  while (!signal?.aborted) {
    let delivered = false;
    try {
      const headers: Record<string, string> = { accept: "text/event-stream" };
      // As EventSource does: the last id the server sent, verbatim (its form is the
      // server's: `epoch:cursor`, or with the head of a reset in progress). The first
      // connection states the position in the query.
      if (lastEventId !== "") headers["last-event-id"] = lastEventId;
      Object.assign(headers, schemaHeaders(options.schemas));
      const response = await transport.send({
        method: "GET",
        path: `${regionPath(region)}/watch`,
        query: { ...position, ...(options.limit !== undefined && { limit: options.limit }) },
        headers,
        ...(signal && { signal }),
      });
      if (!response.body) throw new Error("watch response has no body");
      const parser = new SseParser();
      for await (const text of textOf(response.body)) {
        for (const event of parser.push(text)) {
          if (event.event === "changes") {
            const page = JSON.parse(event.data) as Page;
            position = advance(position, page);
            lastEventId = event.id;
            delivered = true;
            yield { type: "changes", page };
          } else if (event.event === "progress") {
            delivered = true;
            yield { type: "progress", head: (JSON.parse(event.data) as { head: number }).head };
          }
        }
      }
      if (!delivered) throw new Error("watch stream ended without events");
    } catch (error) {
      if (isAbort(error, signal)) return;
      if (delivered) failures = 0;
      // The first connect decides whether the endpoint exists; later errors are transient.
      // Contract errors (no such endpoint, bad token…) do not heal by retrying; broken streams may.
      if (failures >= transport.retries || (error instanceof VersoError && error.code !== "internal")) throw error;
      await transport.backoff(failures++, signal);
      continue;
    }
    failures = 0;
  }
}

/**
 * A body as text, chunk by chunk. Read with a reader: not every runtime makes a
 * ReadableStream async-iterable. A consumer leaving early cancels the stream, which
 * closes the connection.
 */
async function* textOf(body: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      yield decoder.decode(value, { stream: true });
    }
  } finally {
    reader.cancel().catch(() => {});
  }
}
