/**
 * The change feed as an async iterator of events, over either transport: the SSE
 * `watch` endpoint or long-polls of `changes`. Both track the position (cursor, epoch,
 * and the head of a reset that spans pages) from the pages they yield, so a consumer
 * that handles each event before pulling the next always resumes where it stopped.
 */
import { VersoError } from "../protocol/errors.js";
import { advance, type FeedPosition } from "../protocol/feed-position.js";
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
 * While the consumer handles a page that says more follows, the next one is already
 * asked for (from the position after this page, exactly what the consumer would ask
 * next): the server reads and sends it while the consumer applies, instead of both
 * taking turns. At most one page is read ahead; it is dropped, and its request
 * aborted, when the consumer leaves.
 */
export async function* follow(transport: HttpTransport, region: string, options: FeedOptions = {}): AsyncGenerator<FeedEvent> {
  const { signal } = options;
  const leaving = new AbortController();
  const requestSignal = signal ? AbortSignal.any([signal, leaving.signal]) : leaving.signal;
  const request = (from: FeedPosition): Promise<Page> =>
    transport.json<Page>({
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
  let position: FeedPosition = positionOf(options);
  let ahead: Promise<Page> | undefined;
  try {
    while (!signal?.aborted) {
      let page: Page;
      try {
        page = await (ahead ?? request(position));
      } catch (error) {
        if (isAbort(error, signal)) return;
        throw error;
      } finally {
        ahead = undefined;
      }
      const moved = page.reset || page.ops.length > 0 || page.cursor !== position.since || page.epoch !== position.epoch;
      position = advance(position, page);
      if (page.more) {
        ahead = request(position);
        // Settled when awaited; one the consumer never asks for must not be reported unhandled.
        ahead.catch(() => {});
      }
      yield moved ? { type: "changes", page } : { type: "progress", head: page.head };
    }
  } finally {
    leaving.abort();
  }
}

/**
 * Streams `GET /watch` (SSE). A dropped stream reconnects with `Last-Event-ID` after the
 * transport's backoff; after `retries` connections in a row that delivered nothing, the
 * last error is thrown. A server without the endpoint fails the first connect with
 * NotFoundError. Ends when `signal` aborts.
 */
export async function* watch(transport: HttpTransport, region: string, options: FeedOptions = {}): AsyncGenerator<FeedEvent> {
  const { signal } = options;
  let position: FeedPosition = positionOf(options);
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

function positionOf(options: FeedPosition): FeedPosition {
  return {
    ...(options.since !== undefined && { since: options.since }),
    ...(options.epoch !== undefined && { epoch: options.epoch }),
    ...(options.resetHead !== undefined && { resetHead: options.resetHead }),
  };
}
