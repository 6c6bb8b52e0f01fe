/**
 * The replica agent: keeps a region's rows in a local SQLite file, following the feed
 * over a transport, reconnecting with jittered exponential backoff (capped) after any
 * failure. Events: `ready` (caught up to the head, once per connection), `change` (each
 * delivery of an op that became visible), `reset` (a reset was swapped in), `handlerError`,
 * plus `page`, `connect`, `disconnect` and `fallback` for observability.
 *
 * Handlers are at least once, in order: a page's changes are journaled in the replica file
 * with the page, and leave the journal only after `onChange` finished for them. The journal
 * is delivered before any new page is consumed (on start, after each page, and after a
 * handler failure, retried with backoff), so it never holds more than one page's changes
 * (or one reset's difference).
 */
import { EventEmitter } from "node:events";
import { backoffDelay, sleep } from "../../core/backoff.js";
import { RECONNECT_BASE_MS, RECONNECT_CAP_MS, reconnectDelay } from "../../core/reconnect.js";
import type { Row } from "../../protocol/types.js";
import type { FeedEvent } from "../feed.js";
import { VersoClient } from "../http-client.js";
import { type ChangeOp, ReplicaStore } from "./replica-store.js";
import { type FeedTransport, type TransportName, transportFor } from "./transport.js";

export interface ReplicaOptions {
  /** Base URL of the verso server. */
  server: string;
  region: string;
  token?: string;
  /** The replica's SQLite file (created when missing). */
  path: string;
  /** Default "watch", which falls back to "poll" when the server has no watch endpoint. */
  transport?: TransportName | FeedTransport;
  /** Ops per page asked from the server. */
  pageLimit?: number;
  /** Long-poll wait of the poll transport. Default 25 s. */
  waitMs?: number;
  /** First reconnect delay (ms); doubles per failure, jittered. Default 200. */
  backoffMs?: number;
  /** Longest reconnect delay (ms). Default 10 s. */
  maxBackoffMs?: number;
  /**
   * Called for each change once it is committed, in order, at least once: a change is
   * handled when the promise resolves; one that throws (or rejects) is reported as a
   * `handlerError` and retried, with backoff, before anything after it. Changes still
   * unhandled when the process dies are delivered again on the next start. The next page
   * is consumed only once every change before it was handled (backpressure).
   */
  onChange?: (change: ChangeOp) => void | Promise<void>;
  /** Client for the server (tests inject one with a custom fetch). */
  client?: VersoClient;
}

export interface PageInfo {
  ops: number;
  reset: boolean;
  cursor: number;
  head: number;
  more: boolean;
}

export interface ReplicaEvents {
  ready: [{ cursor: number; head: number }];
  change: [ChangeOp];
  reset: [{ epoch: string; cursor: number; rows: number }];
  page: [PageInfo];
  connect: [{ transport: string; attempt: number }];
  disconnect: [{ error: Error; retryInMs: number }];
  fallback: [string];
  handlerError: [{ change: ChangeOp; error: Error; retryInMs: number }];
}

/** Journal entries read per round of delivery (bounds memory during a large reset). */
const DELIVERY_BATCH = 256;

/** A handler failed; the run loop backs off and delivers the journal again. */
class HandlerFailure extends Error {
  constructor(
    readonly change: ChangeOp,
    override readonly cause: Error,
  ) {
    super(`handler failed for v${change.version} ${change.collection}/${change.key}: ${cause.message}`);
  }
}

export class Replica extends EventEmitter<ReplicaEvents> {
  /** Ops received in pages since this replica was opened (not counting earlier runs). */
  opsReceived = 0;
  private readonly store: ReplicaStore;
  private readonly controller = new AbortController();
  private readonly transport: FeedTransport;
  private readonly transportName: () => string;
  private loop: Promise<void> | undefined;

  constructor(private readonly options: ReplicaOptions) {
    super();
    this.store = new ReplicaStore(options.path, options.region, options.server);
    if (typeof options.transport === "function") {
      this.transport = options.transport;
      this.transportName = () => "custom";
    } else {
      const client = options.client ?? new VersoClient({ server: options.server, ...(options.token && { token: options.token }) });
      const chosen = transportFor(options.transport ?? "watch", {
        client,
        region: options.region,
        ...(options.pageLimit !== undefined && { pageLimit: options.pageLimit }),
        ...(options.waitMs !== undefined && { waitMs: options.waitMs }),
        onFallback: (reason) => this.emit("fallback", reason),
      });
      this.transport = chosen.transport;
      this.transportName = chosen.current;
    }
  }

  /** Starts following the feed (openReplica does this). */
  start(): this {
    this.loop ??= this.run();
    return this;
  }

  get region(): string {
    return this.options.region;
  }

  /** Cursor of the rows readers see; undefined before the first page. */
  get cursor(): number | undefined {
    return this.store.state.cursor;
  }

  get epoch(): string | undefined {
    return this.store.state.epoch;
  }

  /** The server's head as last reported. */
  get head(): number {
    return this.store.state.head;
  }

  /** How many versions the visible rows are behind the last known head. */
  get lag(): number {
    return Math.max(0, this.head - (this.cursor ?? 0));
  }

  /** Changes journaled but not yet handled (delivered again after a restart or a failure). */
  get pendingChanges(): number {
    return this.store.pendingCount();
  }

  /** True while a reset is being built (readers still see the previous rows). */
  get resetting(): boolean {
    return this.store.state.reset !== undefined;
  }

  /** The transport in use: "watch", "poll" (also after a fallback) or "custom". */
  get transportInUse(): string {
    return this.transportName();
  }

  get(collection: string, key: string): Row | undefined {
    return this.store.get(collection, key);
  }

  list(collection: string): Row[] {
    return this.store.list(collection);
  }

  /** Every row, ordered by collection and key. */
  all(): Array<Row & { collection: string }> {
    return this.store.all();
  }

  /** Resolves once the visible rows are at `version` or later (e.g. a write's version). */
  waitFor(version: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if ((this.cursor ?? -1) >= version) done(resolve);
        else if (signal?.aborted) done(() => reject(signal.reason));
      };
      const done = (settle: () => void) => {
        this.off("page", check);
        signal?.removeEventListener("abort", check);
        settle();
      };
      this.on("page", check);
      signal?.addEventListener("abort", check);
      check();
    });
  }

  /** Stops following and closes the file; pages already applied stay. */
  async close(): Promise<void> {
    this.controller.abort();
    await this.loop;
    this.store.close();
  }

  private async run(): Promise<void> {
    const signal = this.controller.signal;
    const base = this.options.backoffMs ?? RECONNECT_BASE_MS;
    const cap = this.options.maxBackoffMs ?? RECONNECT_CAP_MS;
    let handlerFailures = 0;
    for (let failures = 0; !signal.aborted; ) {
      const connection = new AbortController();
      const stop = () => connection.abort();
      signal.addEventListener("abort", stop, { once: true });
      let ready = false;
      try {
        // What was applied but not handled (a kill, a failed handler) goes before new pages.
        // Handlers finishing a re-delivery at the known head are caught up: say so now
        // rather than after the next event, which a long poll may hold back for long.
        if ((await this.deliver()) > 0) ready = this.reportReady(false);
        handlerFailures = 0;
        if (signal.aborted) break;
        this.emit("connect", { transport: this.transportName(), attempt: failures });
        for await (const event of this.transport(this.store.position, connection.signal)) {
          if (await this.handle(event, ready)) ready = true;
          failures = 0;
          if (signal.aborted) break;
        }
        if (!signal.aborted) throw new Error("the feed ended");
      } catch (error) {
        if (signal.aborted) break;
        if (error instanceof HandlerFailure) {
          // The connection is dropped: no new page is consumed until the journal is handled.
          const retryInMs = backoffDelay(handlerFailures++, base, cap);
          this.emit("handlerError", { change: error.change, error: error.cause, retryInMs: Math.round(retryInMs) });
          await sleep(retryInMs, signal);
          continue;
        }
        const retryInMs = reconnectDelay(failures, base, cap);
        failures++;
        this.emit("disconnect", { error: error as Error, retryInMs: Math.round(retryInMs) });
        await sleep(retryInMs, signal);
      } finally {
        signal.removeEventListener("abort", stop);
        connection.abort();
      }
    }
  }

  /** Applies one event; returns true when it reported being caught up (ready emitted). */
  private async handle(event: FeedEvent, ready: boolean): Promise<boolean> {
    if (event.type === "progress") {
      this.store.noteHead(event.head);
    } else {
      const page = event.page;
      const applied = this.store.applyPage(page, this.wantsChanges());
      this.opsReceived += page.ops.length;
      this.emit("page", { ops: page.ops.length, reset: page.reset, cursor: page.cursor, head: page.head, more: page.more });
      if (applied.reset) this.emit("reset", { epoch: page.epoch, cursor: page.cursor, rows: this.store.count() });
      if (applied.journaled > 0) await this.deliver();
    }
    return this.reportReady(ready);
  }

  /** Emits `ready` unless already done for this connection; returns whether it was. */
  private reportReady(ready: boolean): boolean {
    const { cursor, head, reset } = this.store.state;
    if (ready || reset !== undefined || cursor === undefined || cursor < head) return ready;
    this.emit("ready", { cursor, head });
    return true;
  }

  private wantsChanges(): boolean {
    return this.listenerCount("change") > 0 || this.options.onChange !== undefined;
  }

  /**
   * Delivers the journal in order: `change` event, then `onChange`. With a handler the
   * handled position advances after each change (a kill re-delivers at most the one in
   * flight); with listeners only, after each batch. Throws HandlerFailure at the first
   * failure, having recorded everything before it as handled. Returns how many it delivered.
   */
  private async deliver(): Promise<number> {
    if (!this.wantsChanges()) return 0;
    let delivered = 0;
    const onChange = this.options.onChange;
    const signal = this.controller.signal;
    for (let batch = this.store.pending(DELIVERY_BATCH); batch.length > 0; batch = this.store.pending(DELIVERY_BATCH)) {
      let handled = this.store.state.handled;
      try {
        for (const { seq, change } of batch) {
          if (signal.aborted) return delivered;
          try {
            this.emit("change", change);
            // Listeners alone are delivered synchronously, in the same turn as the page.
            if (onChange) await onChange(change);
          } catch (error) {
            throw new HandlerFailure(change, error instanceof Error ? error : new Error(String(error)));
          }
          handled = seq;
          delivered++;
          if (onChange) this.store.markHandled(seq);
        }
      } finally {
        this.store.markHandled(handled);
      }
    }
    return delivered;
  }
}

/** Opens (or creates) a replica file and starts following the region's feed. */
export function openReplica(options: ReplicaOptions): Replica {
  return new Replica(options).start();
}
