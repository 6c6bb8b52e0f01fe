/**
 * An SSE event encoded once and written, as the same bytes, to every watcher that takes
 * it. A socket that cannot take the bytes at once keeps a reference to them, not a copy,
 * so N stalled watchers of one page hold that page once between them.
 */
import type { EventEmitter } from "node:events";
import type { ServerResponse } from "node:http";
import type { Socket } from "node:net";

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
 * Where one stream's events go. Once the response owns its socket with its headers
 * flushed, events are written to the socket directly: one write of shared bytes, where
 * ServerResponse.write would frame and copy them again for every socket. Before that (a
 * pipelined response still queued behind another) ServerResponse queues them.
 */
export class EventSink {
  private socket: Socket | null = null;
  private chunked = false;

  constructor(private readonly response: ServerResponse) {}

  write(event: EncodedEvent): void {
    const socket = this.direct();
    if (socket !== null) socket.write(this.chunked ? event.chunk : event.plain);
    else this.response.write(event.plain);
  }

  /** Bytes written that the consumer has not taken yet (beyond what the kernel holds). */
  get unsent(): number {
    return this.socket?.writableLength ?? this.response.writableLength;
  }

  /** Whether the unsent bytes are past the socket's mark, so that the next write waits for `drain`. */
  get needsDrain(): boolean {
    return this.socket?.writableNeedDrain ?? this.response.writableNeedDrain;
  }

  /** What emits `drain` for the writes made so far. */
  get drains(): EventEmitter {
    return this.socket ?? this.response;
  }

  private direct(): Socket | null {
    if (this.socket === null && this.response.socket !== null && this.response.headersSent) {
      this.socket = this.response.socket;
      this.chunked = this.response.chunkedEncoding;
    }
    return this.socket;
  }
}
