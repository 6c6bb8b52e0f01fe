/**
 * Server-Sent Events framing (WHATWG HTML, "server-sent events") and the watch
 * stream's event ids. Pure text in, text out: the route owns the socket.
 */
import { BadRequestError } from "../protocol/errors.js";

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
}

/** The id of a `changes` event: `epoch:cursor`, what `Last-Event-ID` sends back on reconnect. */
export function eventId(position: EventPosition): string {
  return `${position.epoch}:${position.cursor}`;
}

/** Parses an `epoch:cursor` id; the last colon separates them, so an epoch could even hold one. */
export function parseEventId(text: string): EventPosition {
  const trimmed = text.trim();
  const colon = trimmed.lastIndexOf(":");
  const digits = colon < 0 ? "" : trimmed.slice(colon + 1);
  if (!/^\d{1,16}$/.test(digits)) {
    throw new BadRequestError(`Last-Event-ID must look like "epoch:cursor", got ${JSON.stringify(text)}`);
  }
  const cursor = Number(digits);
  if (!Number.isSafeInteger(cursor)) throw new BadRequestError("Last-Event-ID cursor is too large");
  return { epoch: trimmed.slice(0, colon), cursor };
}
