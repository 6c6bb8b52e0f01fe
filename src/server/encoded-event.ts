/**
 * An SSE event encoded once and written, as the same bytes, to every watcher that takes
 * it. A socket that cannot take the bytes at once keeps a reference to them, not a copy,
 * so N stalled watchers of one page hold that page once between them.
 */
import type { ServerResponse } from "node:http";

const CRLF = "\r\n";

export class EncodedEvent {
  private plainBytes: Buffer | undefined;
  private chunkBytes: Buffer | undefined;

  /**
   * `source` is what the bytes were made from (a shared feed page): whoever holds the
   * event while a socket has not taken its bytes keeps it alive too, so that a new
   * watcher at the same position is handed the same page and these same bytes.
   */
  constructor(
    readonly text: string,
    readonly source?: object,
  ) {}

  /** The event alone, for a response without chunked transfer coding (HTTP/1.0). */
  get plain(): Buffer {
    this.plainBytes ??= Buffer.from(this.text, "utf8");
    return this.plainBytes;
  }

  /** The event as one HTTP/1.1 chunk (RFC 9112 §7.1): its size in hex, CRLF, the data, CRLF. */
  get chunk(): Buffer {
    if (this.chunkBytes === undefined) {
      const length = Buffer.byteLength(this.text, "utf8");
      const size = `${length.toString(16)}${CRLF}`;
      const bytes = Buffer.allocUnsafe(size.length + length + CRLF.length);
      let at = bytes.write(size, 0, "latin1");
      at += bytes.write(this.text, at, "utf8");
      bytes.write(CRLF, at, "latin1");
      this.chunkBytes = bytes;
    }
    return this.chunkBytes;
  }
}

/**
 * Writes the event to the response's socket directly once the response owns it (its
 * headers flushed): one write of shared bytes, where ServerResponse.write would frame
 * and copy them again for every socket. Before that (a pipelined response still queued
 * behind another) ServerResponse queues it.
 */
export function writeEvent(response: ServerResponse, event: EncodedEvent): void {
  const socket = response.socket;
  if (socket !== null && response.headersSent) socket.write(response.chunkedEncoding ? event.chunk : event.plain);
  else response.write(event.plain);
}

/** Whether the bytes written so far wait for the consumer to read (the socket's buffer is past its mark). */
export function needsDrain(response: ServerResponse): boolean {
  return response.socket?.writableNeedDrain === true || response.writableNeedDrain;
}
