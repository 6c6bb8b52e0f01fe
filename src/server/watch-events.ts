/**
 * The watch stream's events, encoded. A page's `changes` event is encoded once however
 * many watchers send it: its id depends on the page only, because `after` follows from
 * the page and the position it was read at, which SharedFeed keys its pages by.
 */
import type { PageShape } from "../core/shared-feed.js";
import { serializePage } from "../model/page-json.js";
import type { RawPage } from "../model/raw-page.js";
import { eventId, sseEvent } from "../model/sse.js";
import type { FeedPosition } from "../protocol/feed-position.js";
import { EncodedEvent } from "./encoded-event.js";

const encoded = new WeakMap<RawPage, EncodedEvent>();

export function changesEvent(page: RawPage, after: FeedPosition, shape: PageShape): EncodedEvent {
  let event = encoded.get(page);
  if (event === undefined) {
    // Only a protocol 2 reader may be handed the head of a reset to continue it with;
    // protocol 1 keeps the `epoch:cursor` id of its contract.
    const resetHead = shape.resumableReset ? after.resetHead : undefined;
    event = new EncodedEvent(
      sseEvent(
        "changes",
        serializePage(page),
        eventId({ epoch: page.epoch, cursor: page.cursor, ...(resetHead !== undefined && { resetHead }) }),
      ),
      page,
    );
    encoded.set(page, event);
  }
  return event;
}

export function progressEvent(head: number): EncodedEvent {
  return new EncodedEvent(sseEvent("progress", `{"head":${head}}`));
}
