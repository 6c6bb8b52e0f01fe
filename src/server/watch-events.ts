/**
 * The watch stream's events, encoded. A page's `changes` event is encoded once however
 * many watchers send it: its id depends on the page only, because `after` follows from
 * the page and the position it was read at, which SharedFeed keys its pages by.
 */
import type { PageShape } from "../core/shared-feed.js";
import type { RawPage } from "../model/raw-page.js";
import { changesEventText, progressEventText } from "../model/sse.js";
import type { FeedPosition } from "../protocol/feed-position.js";
import { EncodedEvent } from "./encoded-event.js";

const encoded = new WeakMap<RawPage, EncodedEvent>();

export function changesEvent(page: RawPage, after: FeedPosition, shape: PageShape): EncodedEvent {
  let event = encoded.get(page);
  if (event === undefined) {
    event = new EncodedEvent(changesEventText(page, after, shape.resumableReset === true), page);
    encoded.set(page, event);
  }
  return event;
}

export function progressEvent(head: number): EncodedEvent {
  return new EncodedEvent(progressEventText(head));
}
