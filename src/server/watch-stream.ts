/**
 * One watch connection: feed pages pumped into an SSE response. Commits wake it through
 * the store's head notifier, so between heartbeats an idle watcher costs a timer and no
 * database reads; reads after a commit are shared with the other watchers (SharedFeed).
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
import { serializePage } from "../model/page-json.js";
import type { RawPage } from "../model/raw-page.js";
import { eventId, sseEvent } from "../model/sse.js";
import { advance, type FeedPosition } from "../protocol/feed-position.js";

export interface WatchStreamOptions {
  /** The store's head notifier: commits wake the stream, and its closing ends it. */
  notifier: HeadNotifier;
  /** Reads shared with the other watchers of this server. */
  feed: SharedFeed;
  region: string;
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
  /** Told the ops of each page sent (metrics). */
  onPage?: (ops: number) => void;
}

/** Why a stream ended: the client left, it was cut off as too slow, the server stopped, or a read failed. */
export type StreamEnd = "client-gone" | "cut-off" | "stopped" | "failed";

/**
 * Watchers woken together share their page objects: each page is framed once, not once
 * per watcher. The id depends on the page only: `after` follows from the page and the
 * position it was read at, which SharedFeed keys its pages by.
 */
const framed = new WeakMap<RawPage, string>();

function changesEvent(page: RawPage, after: FeedPosition, shape: PageShape): string {
  let text = framed.get(page);
  if (text === undefined) {
    // Only a protocol 2 reader may be handed the head of a reset to continue it with;
    // protocol 1 keeps the `epoch:cursor` id of its contract.
    const resetHead = shape.resumableReset ? after.resetHead : undefined;
    text = sseEvent(
      "changes",
      serializePage(page),
      eventId({ epoch: page.epoch, cursor: page.cursor, ...(resetHead !== undefined && { resetHead }) }),
    );
    framed.set(page, text);
  }
  return text;
}

export class WatchStream {
  /** Fires when the stream must end, whatever the reason; every wait listens to it. */
  private readonly ending = new AbortController();
  private endReason: StreamEnd | undefined;
  private running: Promise<StreamEnd> | undefined;

  constructor(private readonly options: WatchStreamOptions) {}

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
    const { region } = this.options;
    let page = first;
    let position = start;
    let announced = false;
    while (!this.ended) {
      const news = page.reset || page.ops.length > 0 || page.cursor !== position.since;
      position = advance(position, page);
      if (news) {
        if (!this.send(changesEvent(page, position, this.options.shape))) return;
        this.options.onPage?.(page.ops.length);
        announced = true;
        if (page.more) {
          await this.pace(page.head);
          if (this.ended) return;
          page = await this.read(position);
          continue;
        }
      } else if (!announced) {
        // Nothing to send yet: say so at once, so the consumer knows the stream is live.
        if (!this.progress(page.head)) return;
        announced = true;
      }
      const target = page.cursor + 1;
      while (!(await this.waitForHead(target, this.ending.signal))) {
        if (this.ended) return;
        if (!this.progress(await this.options.feed.head(region))) return;
      }
      // The commit's writers are answered in this turn; the fan-out follows in the next.
      await nextTurn();
      if (this.ended) return;
      page = await this.read(position);
    }
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
    return this.send(sseEvent("progress", `{"head":${head}}`));
  }

  /** Writes one event unless the consumer has fallen too far behind, in which case it is cut off. */
  private send(text: string): boolean {
    const { response, bufferBytes, log, region } = this.options;
    if (this.ended || response.destroyed) return false;
    if (response.writableLength > bufferBytes) {
      log(`watch ${region}: consumer cut off with ${response.writableLength} bytes unsent (limit ${bufferBytes})`);
      this.end("cut-off");
      return false;
    }
    response.write(text);
    return true;
  }

  /**
   * Before the next page of a catch-up: wait until the socket took the last one, or
   * a commit beyond `head` makes the stream live again (then the byte limit decides).
   * Always yields, so a long catch-up never monopolises the event loop.
   */
  private async pace(head: number): Promise<void> {
    const { response } = this.options;
    if (!response.writableNeedDrain) return void (await nextTurn());
    const drained = new AbortController();
    const onDrain = () => drained.abort();
    response.once("drain", onDrain);
    try {
      const signal = AbortSignal.any([drained.signal, this.ending.signal]);
      while (!this.ended && !signal.aborted) {
        if (await this.waitForHead(head + 1, signal)) return;
      }
    } finally {
      response.off("drain", onDrain);
    }
  }
}
