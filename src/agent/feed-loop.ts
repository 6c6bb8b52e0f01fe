/**
 * The agent at work: it delivers what the journal holds, connects, applies each event
 * of the feed to the replica file, and after any failure reconnects from where the file
 * stands. The journal is delivered before any new page is consumed (on start, after
 * each page, after a handler failure), so it never holds more than one page's changes
 * (or one reset's difference).
 */
import type { EventEmitter } from "node:events";
import type { FeedEvent } from "../client/feed.js";
import { sleep } from "../retry/backoff.js";
import type { ReplicaEvents } from "./events.js";
import { type HandlerDelivery, HandlerFailure } from "./handler-delivery.js";
import { type BackoffSettings, handlerRetryPolicy, reconnectPolicy } from "./reconnect.js";
import type { ReplicaStore } from "./replica-store.js";
import type { FeedTransport } from "./transport.js";

export interface FeedLoopOptions {
  store: ReplicaStore;
  transport: FeedTransport;
  /** The transport in use, as `connect` events report it. */
  transportName: () => string;
  events: EventEmitter<ReplicaEvents>;
  delivery: HandlerDelivery;
  backoff: BackoffSettings;
}

export class FeedLoop {
  private received = 0;
  private readonly controller = new AbortController();
  private running: Promise<void> | undefined;

  constructor(private readonly options: FeedLoopOptions) {}

  /** Ops received in pages since this loop started. */
  get opsReceived(): number {
    return this.received;
  }

  start(): void {
    this.running ??= this.run();
  }

  /** Ends the connection and resolves once the loop has left the file alone. */
  async stop(): Promise<void> {
    this.controller.abort();
    await this.running;
  }

  private async run(): Promise<void> {
    const { store, transport, events, delivery } = this.options;
    const signal = this.controller.signal;
    const reconnect = reconnectPolicy(this.options.backoff);
    const handlerRetry = handlerRetryPolicy(this.options.backoff);
    while (!signal.aborted) {
      const connection = new AbortController();
      const disconnect = () => connection.abort();
      signal.addEventListener("abort", disconnect, { once: true });
      let ready = false;
      try {
        // What was applied but not handled (a kill, a failed handler) goes before new pages.
        // Handlers finishing a re-delivery at the known head are caught up: say so now
        // rather than after the next event, which a long poll may hold back for long.
        if ((await delivery.deliver(signal)) > 0) ready = this.reportReady(false);
        handlerRetry.succeeded();
        if (signal.aborted) break;
        events.emit("connect", { transport: this.options.transportName(), attempt: reconnect.failures });
        for await (const event of transport(store.position, connection.signal)) {
          if (await this.apply(event, ready)) ready = true;
          reconnect.succeeded();
          if (signal.aborted) break;
        }
        if (!signal.aborted) throw new Error("the feed ended");
      } catch (error) {
        if (signal.aborted) break;
        if (error instanceof HandlerFailure) {
          // The connection is dropped: no new page is consumed until the journal is handled.
          const retryInMs = handlerRetry.failed();
          events.emit("handlerError", { change: error.change, error: error.cause, retryInMs: Math.round(retryInMs) });
          await sleep(retryInMs, signal);
          continue;
        }
        const retryInMs = reconnect.failed();
        events.emit("disconnect", { error: error as Error, retryInMs: Math.round(retryInMs) });
        await sleep(retryInMs, signal);
      } finally {
        signal.removeEventListener("abort", disconnect);
        connection.abort();
      }
    }
  }

  /** Applies one event; returns true when it reported being caught up (ready emitted). */
  private async apply(event: FeedEvent, ready: boolean): Promise<boolean> {
    const { store, events, delivery } = this.options;
    if (event.type === "progress") {
      store.noteHead(event.head);
    } else {
      const page = event.page;
      const applied = store.applyPage(page, delivery.wanted);
      this.received += page.ops.length;
      events.emit("page", {
        ops: page.ops.length,
        reset: page.reset,
        cursor: page.cursor,
        head: page.head,
        more: page.more,
        ...(page.resetRows !== undefined && { resetRows: page.resetRows }),
      });
      if (applied.reset) events.emit("reset", { epoch: page.epoch, cursor: page.cursor, rows: store.count() });
      if (applied.journaled > 0) await delivery.deliver(this.controller.signal);
    }
    return this.reportReady(ready);
  }

  /** Emits `ready` unless already done for this connection; returns whether it was. */
  private reportReady(ready: boolean): boolean {
    const { cursor, head, reset } = this.options.store.state;
    if (ready || reset !== undefined || cursor === undefined || cursor < head) return ready;
    this.options.events.emit("ready", { cursor, head });
    return true;
  }
}
