/**
 * How an agent receives the feed. "watch" streams SSE and, when the server has no watch
 * endpoint (404), falls back to "poll" (long-polls of the changes endpoint) for good. A
 * function can stand in for either, which is how tests drive an agent with scripted pages.
 */

import type { FeedEvent } from "../client/feed.js";
import type { VersoClient } from "../client/http-client.js";
import { NotFoundError } from "../protocol/errors.js";
import type { FeedPosition } from "../protocol/feed-position.js";
import type { SchemaSelection } from "../protocol/schemas.js";

export type TransportName = "watch" | "poll";

/** Opens the feed from a position; the iterator ends only when `signal` aborts. */
export type FeedTransport = (position: FeedPosition, signal: AbortSignal) => AsyncIterable<FeedEvent>;

export interface TransportOptions {
  client: VersoClient;
  region: string;
  /** Ops per page asked from the server (server default when absent). */
  pageLimit?: number;
  /** Long-poll wait of the poll transport. */
  waitMs?: number;
  /** Schema versions to receive values at. */
  schemas?: SchemaSelection;
  /** Told once when watch is found missing and poll takes over. */
  onFallback?: (reason: string) => void;
}

export function transportFor(name: TransportName, options: TransportOptions): { transport: FeedTransport; current: () => TransportName } {
  const { client, region } = options;
  const limit = {
    ...(options.pageLimit !== undefined && { limit: options.pageLimit }),
    ...(options.schemas !== undefined && { schemas: options.schemas }),
  };
  let active = name;
  const poll: FeedTransport = (position, signal) =>
    client.follow(region, { ...position, ...limit, signal, ...(options.waitMs !== undefined && { waitMs: options.waitMs }) });
  async function* watchOrPoll(position: FeedPosition, signal: AbortSignal): AsyncGenerator<FeedEvent> {
    if (active === "watch") {
      let delivered = false;
      try {
        for await (const event of client.watch(region, { ...position, ...limit, signal })) {
          delivered = true;
          yield event;
        }
        return;
      } catch (error) {
        if (!(error instanceof NotFoundError)) throw error;
        active = "poll";
        options.onFallback?.(`the server has no watch endpoint (${error.message}); long-polling instead`);
        // The consumer has moved past `position`: let it reconnect from where it really is.
        if (delivered) throw error;
      }
    }
    yield* poll(position, signal);
  }
  return { transport: watchOrPoll, current: () => active };
}
