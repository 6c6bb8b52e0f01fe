/**
 * The replica agent: keeps a region's rows in a local SQLite file, following the feed
 * over a transport, reconnecting with jittered exponential backoff (capped) after any
 * failure. Events: `ready` (caught up to the head, once per connection), `change` (each
 * op that became visible), `reset` (a reset was swapped in), plus `page`, `connect`,
 * `disconnect` and `fallback` for observability.
 */
import { EventEmitter } from "node:events";
import type { Row } from "../../protocol/types.js";
import { backoffDelay, sleep } from "../backoff.js";
import type { FeedEvent } from "../feed.js";
import { VersoClient } from "../http-client.js";
import { type Applied, type ChangeOp, ReplicaStore } from "./replica-store.js";
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
   * Called for each change once it is committed, in order; the next page is fetched only
   * after it settles (backpressure). A throw is reported as a `handlerError` event.
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
  handlerError: [{ change: ChangeOp; error: Error }];
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
    const base = this.options.backoffMs ?? 200;
    const cap = this.options.maxBackoffMs ?? 10_000;
    for (let failures = 0; !signal.aborted; ) {
      const connection = new AbortController();
      const stop = () => connection.abort();
      signal.addEventListener("abort", stop, { once: true });
      let ready = false;
      try {
        this.emit("connect", { transport: this.transportName(), attempt: failures });
        for await (const event of this.transport(this.store.position, connection.signal)) {
          if (await this.handle(event, ready)) ready = true;
          failures = 0;
          if (signal.aborted) break;
        }
        if (!signal.aborted) throw new Error("the feed ended");
      } catch (error) {
        if (signal.aborted) break;
        // The first failure after a working connection reconnects at once; then the delay grows.
        const retryInMs = failures === 0 ? 0 : backoffDelay(failures - 1, base, cap);
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
      const wantChanges = this.listenerCount("change") > 0 || this.options.onChange !== undefined;
      const applied: Applied = this.store.applyPage(page, wantChanges);
      this.opsReceived += page.ops.length;
      this.emit("page", { ops: page.ops.length, reset: page.reset, cursor: page.cursor, head: page.head, more: page.more });
      if (applied.reset) this.emit("reset", { epoch: page.epoch, cursor: page.cursor, rows: this.store.count() });
      for (const change of applied.changes) {
        this.emit("change", change);
        if (this.options.onChange) {
          try {
            await this.options.onChange(change);
          } catch (error) {
            this.emit("handlerError", { change, error: error as Error });
          }
        }
      }
    }
    const { cursor, head, reset } = this.store.state;
    if (ready || reset !== undefined || cursor === undefined || cursor < head) return ready;
    this.emit("ready", { cursor, head });
    return true;
  }
}

/** Opens (or creates) a replica file and starts following the region's feed. */
export function openReplica(options: ReplicaOptions): Replica {
  return new Replica(options).start();
}
