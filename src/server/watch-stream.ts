/**
 * One watch connection: feed pages pumped into an SSE response. Commits wake it through
 * the store's head notifier, so between heartbeats an idle watcher costs a timer and no
 * database reads. Once caught up it waits in the group of watchers at its position
 * (watch-fanout.ts), which reads, encodes and writes each commit's page once for all of
 * them; reads it makes itself are shared with the other watchers too (SharedFeed).
 *
 * Flow control, so that no consumer can hold up writers or other watchers:
 * - a catch-up (pages with `more`) sends the next page once the previous one has left
 *   the process (or a new commit arrives), so a backlog is never buffered whole;
 * - before any event, bytes the consumer has not taken yet are checked against
 *   `bufferBytes`; past it the connection is cut and the consumer resumes later with
 *   Last-Event-ID. Memory per connection is thereby bounded by the limit plus one page.
 */
import type { ServerResponse } from "node:http";
import { setImmediate as nextTurn } from "node:timers/promises";
import type { PageShape, SharedFeed } from "../core/shared-feed.js";
import type { HeadNotifier } from "../model/head-notifier.js";
import type { RawPage } from "../model/raw-page.js";
import { advance, type FeedPosition } from "../protocol/feed-position.js";
import { type EncodedEvent, EventSink } from "./encoded-event.js";
import { changesEvent, progressEvent } from "./watch-events.js";
import type { FanOutMember, Handover, WatchFanOut } from "./watch-fanout.js";

export interface WatchStreamOptions {
  /** The store's head notifier: commits wake the stream, and its closing ends it. */
  notifier: HeadNotifier;
  /** Reads shared with the other watchers of this server. */
  feed: SharedFeed;
  /** Where the stream waits for commits once caught up, with the other watchers at its position (when it projects no schemas). */
  fanOut?: WatchFanOut | undefined;
  region: string;
  /** Its headers already flushed, so that events can go to the socket directly. */
  response: ServerResponse;
  /** Idle time after which a `progress` event is sent. */
  heartbeatMs: number;
  /** Unsent bytes past which the consumer counts as stalled and is cut off. */
  bufferBytes: number;
  /** Page size and, for protocol 2 readers, resumable resets; as asked. */
  shape: PageShape;
  /** Shows a shared page at the schema versions this reader asked for (a new page; the shared one stays as stored). */
  project?: ((page: RawPage) => Promise<RawPage>) | undefined;
  log: (line: string) => void;
  /** Told the ops of each page the stream sent itself (metrics; the fan-out tells its own). */
  onPage?: (ops: number) => void;
}

/** Why a stream ended: the client left, it was cut off as too slow, the server stopped, or a read failed. */
export type StreamEnd = "client-gone" | "cut-off" | "stopped" | "failed";

export class WatchStream {
  /** Fires when the stream must end, whatever the reason; every wait listens to it. */
  private readonly ending = new AbortController();
  private endReason: StreamEnd | undefined;
  /** The last event while the socket still holds its bytes (see EncodedEvent's source). */
  private pending: EncodedEvent | undefined;
  private running: Promise<StreamEnd> | undefined;
  private readonly sink: EventSink;

  constructor(private readonly options: WatchStreamOptions) {
    this.sink = new EventSink(options.response);
  }

  /**
   * Streams until the stream ends, which the result tells. `first` is the page already
   * read for the request at `position` (read before the response was committed, so that
   * bad input could still get a 4xx).
   */
  start(first: RawPage, position: FeedPosition): Promise<StreamEnd> {
    if (this.running) return this.running;
    const { response, log, region } = this.options;
    response.once("close", () => this.end("client-gone"));
    response.on("error", () => this.end("client-gone"));
    // The client may have left while the first page was being read.
    if (response.destroyed) this.end("client-gone");
    this.running = this.run(first, position).then(
      () => this.finish(),
      (error: unknown) => {
        if (this.endReason === undefined) log(`watch ${region}: ${(error as Error)?.stack ?? String(error)}`);
        this.end("failed");
        return this.finish();
      },
    );
    return this.running;
  }

  /**
   * Ends the stream cleanly (server stop): the consumer sees the response end and may
   * resume elsewhere. Resolves once it has ended (at once for a stream never started).
   */
  async stop(): Promise<void> {
    this.end("stopped");
    await this.running;
  }

  private end(reason: StreamEnd): void {
    if (this.endReason !== undefined) return;
    this.endReason = reason;
    this.ending.abort();
  }

  private get ended(): boolean {
    return this.endReason !== undefined || this.options.notifier.isClosed;
  }

  private finish(): StreamEnd {
    // A closed notifier means the store is shutting down.
    if (this.endReason === undefined) this.end("stopped");
    const { response } = this.options;
    if (this.endReason === "cut-off" || this.endReason === "failed") response.destroy();
    else if (!response.writableEnded && !response.destroyed) response.end();
    return this.endReason ?? "stopped";
  }

  private async run(first: RawPage, start: FeedPosition): Promise<void> {
    let page = first;
    let position = start;
    let announced = false;
    while (!this.ended) {
      const news = page.reset || page.ops.length > 0 || page.cursor !== position.since;
      const after = advance(position, page);
      if (news) {
        if (!this.send(changesEvent(page, after, this.options.shape))) return;
        this.options.onPage?.(page.ops.length);
        announced = true;
        if (page.more) {
          await this.pace(page.head);
          if (this.ended) return;
          position = after;
          page = await this.read(position);
          continue;
        }
      } else if (!announced) {
        // Nothing to send yet: say so at once, so the consumer knows the stream is live.
        if (!this.progress(page.head)) return;
        announced = true;
      }
      const next = await this.nextPage(after, page.cursor);
      if (next === undefined) return;
      ({ page, position } = next);
    }
  }

  /** Once caught up at `position`: the next page that the stream must send itself, or undefined once it ended. */
  private async nextPage(position: FeedPosition, cursor: number): Promise<Handover | undefined> {
    const { fanOut, project, region, feed } = this.options;
    if (fanOut !== undefined && project === undefined) return this.inGroup(fanOut, position);
    while (!(await this.waitForHead(cursor + 1, this.ending.signal))) {
      if (this.ended) return undefined;
      if (!this.progress(await feed.head(region))) return undefined;
    }
    // The commit's writers are answered in this turn; the fan-out follows in the next.
    await nextTurn();
    if (this.ended) return undefined;
    return { page: await this.read(position), position };
  }

  /**
   * Waits with the other watchers at `position`: the group sends the pages it can share
   * through `deliver`, and hands over the first one this stream must go on with itself.
   * Heartbeats stay the stream's own, restarted by every event it is sent.
   */
  private inGroup(fanOut: WatchFanOut, position: FeedPosition): Promise<Handover | undefined> {
    const { feed, region, heartbeatMs } = this.options;
    return new Promise((resolve, reject) => {
      let left = false;
      const leave = (settle: () => void) => {
        if (left) return;
        left = true;
        clearInterval(heartbeat);
        this.ending.signal.removeEventListener("abort", onEnd);
        quit();
        settle();
      };
      const onEnd = () => leave(() => resolve(undefined));
      const heartbeat = setInterval(() => {
        feed.head(region).then(
          (head) => this.progress(head),
          (error: unknown) => leave(() => reject(error)),
        );
      }, heartbeatMs);
      const member: FanOutMember = {
        deliver: (event) => {
          if (!this.send(event)) return false;
          heartbeat.refresh();
          return true;
        },
        takeOver: (next) => leave(() => (next !== undefined && "error" in next ? reject(next.error) : resolve(next))),
      };
      const quit = fanOut.join(region, position, this.options.shape, member);
      if (this.ended) onEnd();
      else this.ending.signal.addEventListener("abort", onEnd, { once: true });
    });
  }

  private async read(position: FeedPosition): Promise<RawPage> {
    const { feed, region, shape, project } = this.options;
    const page = await feed.changes(region, position, shape);
    return project === undefined ? page : project(page);
  }

  /** Resolves true once the region's head reaches `target`; false after a heartbeat interval or on abort. */
  private waitForHead(target: number, signal: AbortSignal): Promise<boolean> {
    const { notifier, feed, region, heartbeatMs } = this.options;
    return notifier.waitFor(region, target, heartbeatMs, () => feed.head(region), signal);
  }

  private progress(head: number): boolean {
    return this.send(progressEvent(head));
  }

  /** Writes one event unless the consumer has fallen too far behind, in which case it is cut off. */
  private send(event: EncodedEvent): boolean {
    const { sink } = this;
    if (this.ended || this.options.response.destroyed) return false;
    const unsent = sink.unsent;
    if (unsent > this.options.bufferBytes) {
      const { log, region, bufferBytes } = this.options;
      log(`watch ${region}: consumer cut off with ${unsent} bytes unsent (limit ${bufferBytes})`);
      this.end("cut-off");
      return false;
    }
    sink.write(event);
    if (sink.needsDrain) this.holdUntilDrained(event);
    else this.pending = undefined;
    return true;
  }

  private holdUntilDrained(event: EncodedEvent): void {
    const waiting = this.pending !== undefined;
    this.pending = event;
    if (!waiting)
      this.sink.drains.once("drain", () => {
        this.pending = undefined;
      });
  }

  /**
   * Before the next page of a catch-up: wait until the socket took the last one, or
   * a commit beyond `head` makes the stream live again (then the byte limit decides).
   * Always yields, so a long catch-up never monopolises the event loop.
   */
  private async pace(head: number): Promise<void> {
    if (!this.sink.needsDrain) return void (await nextTurn());
    const drained = new AbortController();
    const onDrain = () => drained.abort();
    const emitter = this.sink.drains;
    emitter.once("drain", onDrain);
    try {
      const signal = AbortSignal.any([drained.signal, this.ending.signal]);
      while (!this.ended && !signal.aborted) {
        if (await this.waitForHead(head + 1, signal)) return;
      }
    } finally {
      emitter.off("drain", onDrain);
    }
  }
}
