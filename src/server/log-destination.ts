/**
 * Where the logger writes: request lines are gathered and written together, at most 10 ms
 * after the first of them (or at once past 64 KiB); every other line (lifecycle, warnings,
 * errors) first writes what is gathered and then itself, at once.
 *
 * Why: a write call per request line (a syscall, a Buffer, the stream machinery) cost
 * more than making the line (BENCHMARKS.md, "Cost of visibility"), and a server under load
 * answers only a few requests per turn of the event loop, so gathering per turn saved
 * little. 10 ms keeps a quiet server's line prompt; the writes stay synchronous, so
 * lifecycle lines keep their order with whatever else the process writes to the same
 * stream, and nothing gathered is lost when the process exits.
 */

/** pino sets `lastMsg` and `lastLevel` on a stream carrying this symbol before each write. */
const NEEDS_METADATA = Symbol.for("pino.metadata");
const INFO = 30;
export const REQUEST_MESSAGE = "request";
export const GATHER_MS = 10;
const GATHER_BYTES = 64 * 1024;

export class BatchingDestination {
  readonly [NEEDS_METADATA] = true;
  lastMsg: unknown;
  lastLevel: unknown;
  private pending = "";
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly out: NodeJS.WritableStream) {}

  write(line: string): void {
    if (this.lastMsg === REQUEST_MESSAGE && this.lastLevel === INFO) {
      this.pending += line;
      if (this.pending.length >= GATHER_BYTES) this.flushSync();
      else if (this.timer === undefined) {
        flushOnExit(this);
        // Referenced: a process ending by itself waits the few ms for them; process.exit() has the exit hook.
        this.timer = setTimeout(() => this.flushSync(), GATHER_MS);
      }
      return;
    }
    this.flushSync();
    this.out.write(line);
  }

  /** pino's `logger.flush(cb)`. */
  flush(done?: (error?: Error) => void): void {
    this.flushSync();
    done?.();
  }

  flushSync(): void {
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
      unflushed.delete(this);
    }
    if (this.pending === "") return;
    const text = this.pending;
    this.pending = "";
    this.out.write(text);
  }
}

/** Destinations holding lines; one `exit` listener for them all, however many loggers a process makes. */
const unflushed = new Set<BatchingDestination>();
let listening = false;

function flushOnExit(destination: BatchingDestination): void {
  unflushed.add(destination);
  if (listening) return;
  listening = true;
  process.on("exit", () => {
    for (const each of unflushed) each.flushSync();
  });
}

let second = Number.NaN;
let prefix = "";

/**
 * pino's ISO timestamp, `,"time":"2026-01-02T03:04:05.678Z"`, with the date formatted
 * once per second instead of once per line.
 */
export function isoTime(now = Date.now()): string {
  const s = Math.floor(now / 1000);
  if (s !== second) {
    second = s;
    prefix = `,"time":"${new Date(s * 1000).toISOString().slice(0, 20)}`;
  }
  return `${prefix}${String(now - s * 1000).padStart(3, "0")}Z"`;
}
