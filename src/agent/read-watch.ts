/**
 * One watch connection on the agent's listener: the replica's feed pumped into an SSE
 * response, framed as the server frames it (`event: changes` with `id: epoch:cursor`,
 * `event: progress` with `{"head"}` after an idle heartbeat). The feed loop's publication
 * of each applied version wakes it (VersionBarrier), so an idle watcher reads nothing.
 *
 * Flow control as on the server: a catch-up sends its next page once the socket took
 * the previous one, and a consumer with more than `bufferBytes` unsent is cut off (it
 * resumes with Last-Event-ID), so no watcher holds memory without bound.
 */
import type { ServerResponse } from "node:http";
import { setImmediate as nextTurn } from "node:timers/promises";
import type { RawPage } from "../model/raw-page.js";
import { changesEventText, progressEventText } from "../model/sse.js";
import { advance, type FeedPosition } from "../protocol/feed-position.js";
import type { ReplicaReads, WatchShape } from "./read-routes.js";

export interface ReplicaWatchOptions {
  reads: ReplicaReads;
  response: ServerResponse;
  shape: WatchShape;
  heartbeatMs: number;
  bufferBytes: number;
  /** Aborts when the listener stops. */
  stopping: AbortSignal;
}

export class ReplicaWatch {
  private readonly ending = new AbortController();

  constructor(private readonly options: ReplicaWatchOptions) {}

  /** Streams until the client leaves, is cut off, or the listener stops; then ends the response. */
  async run(first: RawPage, start: FeedPosition): Promise<void> {
    const { response, stopping } = this.options;
    const end = () => this.ending.abort();
    response.once("close", end);
    response.on("error", end);
    stopping.addEventListener("abort", end, { once: true });
    try {
      if (!response.destroyed) await this.pump(first, start);
    } finally {
      stopping.removeEventListener("abort", end);
      if (!response.destroyed && !response.writableEnded) response.end();
    }
  }

  private get ended(): boolean {
    return this.ending.signal.aborted;
  }

  private async pump(first: RawPage, start: FeedPosition): Promise<void> {
    const { reads, shape, heartbeatMs } = this.options;
    let page = first;
    let position = start;
    let announced = false;
    while (!this.ended) {
      const news = page.reset || page.ops.length > 0 || page.cursor !== position.since;
      position = advance(position, page);
      if (news) {
        if (!this.send(changesEventText(page, position, shape.resumableReset))) return;
        announced = true;
        if (page.more) {
          await this.drained();
          if (this.ended) return;
          page = this.read(position);
          continue;
        }
      } else if (!announced) {
        // Nothing to send yet: say so at once, so the consumer knows the stream is live.
        if (!this.send(progressEventText(page.head))) return;
        announced = true;
      }
      while (!(await reads.wait(page.cursor + 1, heartbeatMs, this.ending.signal))) {
        if (this.ended) return;
        const now = reads.position();
        // The version moved back or the epoch changed (a reset from a restored or re-created
        // server): no wait is woken by that, so the heartbeat reads the page that resets.
        if (now.version < page.cursor || (now.epoch ?? "") !== page.epoch) break;
        if (!this.send(progressEventText(now.version))) return;
      }
      if (this.ended) return;
      page = this.read(position);
    }
  }

  private read(position: FeedPosition): RawPage {
    const { reads, shape } = this.options;
    return reads.page({
      region: reads.region,
      limit: shape.limit,
      ...(position.since !== undefined && { since: position.since }),
      ...(position.epoch !== undefined && { epoch: position.epoch }),
      ...(position.resetHead !== undefined && { resetHead: position.resetHead }),
      ...(shape.resumableReset && { resumableReset: true }),
    });
  }

  /** Writes one event unless the consumer has fallen too far behind, in which case it is cut off. */
  private send(text: string): boolean {
    const { response, bufferBytes } = this.options;
    if (this.ended || response.destroyed) return false;
    if (response.writableLength > bufferBytes) {
      response.destroy();
      this.ending.abort();
      return false;
    }
    response.write(text);
    return true;
  }

  /** Before the next page of a catch-up: the socket took the last one (always yields a turn). */
  private async drained(): Promise<void> {
    const { response } = this.options;
    if (!response.writableNeedDrain) return void (await nextTurn());
    await new Promise<void>((resolve) => {
      const done = () => {
        response.off("drain", done);
        this.ending.signal.removeEventListener("abort", done);
        resolve();
      };
      response.on("drain", done);
      this.ending.signal.addEventListener("abort", done, { once: true });
    });
  }
}
