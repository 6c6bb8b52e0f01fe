/**
 * Server-Sent Events framing (WHATWG HTML, "server-sent events") and the watch
 * stream's event ids. Pure text in, text out: the route owns the socket.
 */
import { BadRequestError } from "../protocol/errors.js";
import type { FeedPosition } from "../protocol/feed-position.js";
import { serializePage } from "./page-json.js";
import type { RawPage } from "./raw-page.js";

/** The headers of every event stream verso serves: never stored, never held back by a proxy. */
export const EVENT_STREAM_HEADERS = {
  "content-type": "text/event-stream",
  "cache-control": "no-store",
  "x-accel-buffering": "no",
} as const;

/**
 * One event. Data is split on line breaks into several `data:` lines, which a reader
 * joins back with "\n"; JSON stays valid either way because a raw line break can only
 * be whitespace in JSON text.
 */
export function sseEvent(event: string, data: string, id?: string): string {
  const lines = data.split(/\r\n|\r|\n/);
  let text = `event: ${event}\n`;
  if (id !== undefined) text += `id: ${id}\n`;
  for (const line of lines) text += `data: ${line}\n`;
  return `${text}\n`;
}

export interface EventPosition {
  /** "" when the region had never been written: such an id checks no epoch. */
  epoch: string;
  cursor: number;
  /** While a reset spans pages (protocol 2 only): the head of its first page. */
  resetHead?: number;
}

/**
 * The id of a `changes` event, what `Last-Event-ID` sends back on reconnect:
 * `epoch:cursor`, or `epoch:cursor:resetHead` while a reset spans pages, so that a
 * reconnect continues the reset instead of starting it over.
 */
export function eventId(position: EventPosition): string {
  const id = `${position.epoch}:${position.cursor}`;
  return position.resetHead === undefined ? id : `${id}:${position.resetHead}`;
}

/**
 * The watch stream's `changes` event for a page, `after` being the position the page
 * leaves the reader at. Only a protocol 2 reader (`resumableReset`) is handed the head
 * of a reset to continue it with; protocol 1 keeps the `epoch:cursor` id of its contract.
 */
export function changesEventText(page: RawPage, after: FeedPosition, resumableReset: boolean): string {
  const resetHead = resumableReset ? after.resetHead : undefined;
  return sseEvent(
    "changes",
    serializePage(page),
    eventId({ epoch: page.epoch, cursor: page.cursor, ...(resetHead !== undefined && { resetHead }) }),
  );
}

/** The watch stream's `progress` event: the head, when idle or caught up with nothing to send. */
export function progressEventText(head: number): string {
  return sseEvent("progress", `{"head":${head}}`);
}

/** Parses `epoch:cursor` or `epoch:cursor:resetHead` (epochs never hold a colon). */
export function parseEventId(text: string): EventPosition {
  const parts = text.trim().split(":");
  const [epoch, cursor, resetHead] = parts;
  if (epoch === undefined || cursor === undefined || parts.length > 3) {
    throw new BadRequestError(`Last-Event-ID must look like "epoch:cursor" or "epoch:cursor:resetHead", got ${JSON.stringify(text)}`);
  }
  return {
    epoch,
    cursor: idNumber("cursor", cursor, text),
    ...(resetHead !== undefined && { resetHead: idNumber("resetHead", resetHead, text) }),
  };
}

function idNumber(name: string, digits: string, text: string): number {
  if (!/^\d{1,16}$/.test(digits)) throw new BadRequestError(`Last-Event-ID ${name} must be a version, got ${JSON.stringify(text)}`);
  const value = Number(digits);
  if (!Number.isSafeInteger(value)) throw new BadRequestError(`Last-Event-ID ${name} is too large`);
  return value;
}
