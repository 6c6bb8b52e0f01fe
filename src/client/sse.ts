/**
 * Incremental parser for `text/event-stream` as the WHATWG spec defines it. Pure: text
 * chunks in, events out, so it can be tested on any split of any stream.
 */

export interface SseEvent {
  /** The `event:` field, "message" when absent. */
  event: string;
  /** The `data:` lines joined with "\n". */
  data: string;
  /** The last event id seen so far in the stream (ids persist until changed). */
  id: string;
}

export class SseParser {
  private buffer = "";
  private started = false;
  private pendingCr = false;
  private eventType = "";
  private data: string[] = [];
  private lastId = "";
  /** Reconnection delay the server asked for with `retry:`, if any. */
  retryMs: number | undefined;

  /** Feeds a chunk; returns the events it completed. */
  push(chunk: string): SseEvent[] {
    // An empty chunk (a decoder holding back half a character) must not forget a pending CR.
    if (chunk.length === 0) return [];
    let text = chunk;
    if (!this.started && text.length > 0) {
      this.started = true;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    // A CR ending the previous chunk already ended its line; a LF right after it belongs to it.
    if (this.pendingCr && text.startsWith("\n")) text = text.slice(1);
    this.pendingCr = false;
    this.buffer += text;
    const events: SseEvent[] = [];
    let start = 0;
    for (let i = 0; i < this.buffer.length; i++) {
      const c = this.buffer.charCodeAt(i);
      if (c !== 10 && c !== 13) continue;
      const line = this.buffer.slice(start, i);
      if (c === 13) {
        if (i + 1 === this.buffer.length) this.pendingCr = true;
        else if (this.buffer.charCodeAt(i + 1) === 10) i++;
      }
      start = i + 1;
      const event = this.line(line);
      if (event) events.push(event);
    }
    this.buffer = this.buffer.slice(start);
    return events;
  }

  /** The id a reconnect sends as Last-Event-ID ("" if none yet). */
  get lastEventId(): string {
    return this.lastId;
  }

  private line(line: string): SseEvent | undefined {
    if (line === "") return this.dispatch();
    if (line.startsWith(":")) return undefined;
    const colon = line.indexOf(":");
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    switch (field) {
      case "event":
        this.eventType = value;
        break;
      case "data":
        this.data.push(value);
        break;
      case "id":
        if (!value.includes("\0")) this.lastId = value;
        break;
      case "retry":
        if (/^\d+$/.test(value)) this.retryMs = Number(value);
        break;
    }
    return undefined;
  }

  private dispatch(): SseEvent | undefined {
    const type = this.eventType;
    const data = this.data;
    this.eventType = "";
    this.data = [];
    if (data.length === 0) return undefined;
    return { event: type === "" ? "message" : type, data: data.join("\n"), id: this.lastId };
  }
}
