/**
 * A small Server-Sent Events reader over fetch, for tests: it parses the stream as the
 * WHATWG spec says (fields, multi-line data, comments, blank-line dispatch, a sticky
 * last event id) and hands events out one at a time.
 */

export interface SseEvent {
  event: string;
  data: string;
  /** The last event id in force when this event was dispatched (sticky, as EventSource keeps it). */
  lastEventId: string;
}

export interface SseResponse {
  status: number;
  headers: Headers;
}

export class SseReader {
  private readonly queue: SseEvent[] = [];
  private wake: (() => void) | undefined;
  private lastEventId = "";
  private finished: "end" | Error | undefined;
  /** Resolves when the stream ends: "end" for a clean end, the error otherwise. */
  readonly ended: Promise<"end" | Error>;

  private constructor(
    readonly response: SseResponse,
    body: ReadableStream<Uint8Array>,
    private readonly controller: AbortController,
  ) {
    this.ended = this.pump(body);
  }

  static async open(url: string, headers: Record<string, string> = {}): Promise<SseReader> {
    const controller = new AbortController();
    const response = await fetch(url, { headers: { accept: "text/event-stream", ...headers }, signal: controller.signal });
    if (!response.body) throw new Error("response has no body");
    if (response.status !== 200) {
      const text = await response.text();
      throw Object.assign(new Error(`watch answered ${response.status}: ${text}`), { status: response.status, body: text });
    }
    return new SseReader({ status: response.status, headers: response.headers }, response.body, controller);
  }

  /** The next event, or a rejection if none arrives within `timeoutMs` or the stream ended. */
  async next(timeoutMs = 5_000): Promise<SseEvent> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const event = this.queue.shift();
      if (event) return event;
      if (this.finished !== undefined) throw new Error(`stream ended (${String(this.finished)}) while an event was awaited`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no event within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }

  /** The next event of the given type; events of other types in between are returned in `skipped`. */
  async nextOf(type: string, timeoutMs = 5_000): Promise<SseEvent & { skipped: SseEvent[] }> {
    const deadline = Date.now() + timeoutMs;
    const skipped: SseEvent[] = [];
    for (;;) {
      const event = await this.next(Math.max(1, deadline - Date.now()));
      if (event.event === type) return { ...event, skipped };
      skipped.push(event);
    }
  }

  /** Events received and not yet taken. */
  get pending(): readonly SseEvent[] {
    return this.queue;
  }

  close(): void {
    this.controller.abort();
  }

  private async pump(body: ReadableStream<Uint8Array>): Promise<"end" | Error> {
    const decoder = new TextDecoder();
    let buffer = "";
    let fields: { event: string; data: string[]; sawData: boolean } = { event: "", data: [], sawData: false };
    try {
      for await (const chunk of body) {
        buffer += decoder.decode(chunk, { stream: true });
        const lines = buffer.split(/\r\n|\r|\n/);
        buffer = lines.pop() ?? "";
        for (const line of lines) {
          if (line === "") {
            if (fields.sawData)
              this.push({ event: fields.event || "message", data: fields.data.join("\n"), lastEventId: this.lastEventId });
            fields = { event: "", data: [], sawData: false };
            continue;
          }
          if (line.startsWith(":")) continue;
          const colon = line.indexOf(":");
          const name = colon < 0 ? line : line.slice(0, colon);
          let value = colon < 0 ? "" : line.slice(colon + 1);
          if (value.startsWith(" ")) value = value.slice(1);
          if (name === "event") fields.event = value;
          else if (name === "data") {
            fields.data.push(value);
            fields.sawData = true;
          } else if (name === "id" && !value.includes("\0")) this.lastEventId = value;
        }
      }
      this.finished = "end";
    } catch (error) {
      this.finished = error as Error;
    }
    this.wake?.();
    return this.finished;
  }

  private push(event: SseEvent): void {
    this.queue.push(event);
    this.wake?.();
  }
}
