/**
 * The replica agent: a region's rows in a local SQLite file, kept up to date from the
 * feed (`start()` to follow it, `stop()` to let go of it and of the file). Readers ask
 * it for rows and its position; listeners hear `ready` (caught up to the head, once per
 * connection), `change` (each delivery of an op that became visible), `reset`,
 * `handlerError`, plus `page`, `connect`, `disconnect` and `fallback` for observability.
 * Changes are handled at least once, in order (see handler-delivery.ts).
 */
import { EventEmitter } from "node:events";
import { VersoClient } from "../client/http-client.js";
import type { SchemaSelection } from "../protocol/schemas.js";
import type { Row } from "../protocol/types.js";
import { RECONNECT_BASE_MS, RECONNECT_CAP_MS } from "../retry/reconnect.js";
import type { ReplicaEvents } from "./events.js";
import { FeedLoop } from "./feed-loop.js";
import { type ChangeHandler, HandlerDelivery } from "./handler-delivery.js";
import { ReplicaStore } from "./replica-store.js";
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
  onChange?: ChangeHandler;
  /**
   * Schema versions to hold values at, per collection (`{deployments: 1}`): the server
   * projects every value of those collections to that version. Kept in the replica file;
   * opening it with another selection rebuilds the replica through a reset.
   */
  schemas?: SchemaSelection;
  /** Client for the server (tests inject one with a custom fetch). */
  client?: VersoClient;
}

export class Replica extends EventEmitter<ReplicaEvents> {
  private readonly store: ReplicaStore;
  private readonly loop: FeedLoop;
  private readonly transportName: () => string;

  /** Opens (or creates) the replica file; nothing is fetched before `start()`. */
  constructor(private readonly options: ReplicaOptions) {
    super();
    this.store = new ReplicaStore(options.path, options.region, options.server, options.schemas);
    let transport: FeedTransport;
    if (typeof options.transport === "function") {
      transport = options.transport;
      this.transportName = () => "custom";
    } else {
      const client = options.client ?? new VersoClient({ server: options.server, ...(options.token && { token: options.token }) });
      const chosen = transportFor(options.transport ?? "watch", {
        client,
        region: options.region,
        ...(options.pageLimit !== undefined && { pageLimit: options.pageLimit }),
        ...(options.waitMs !== undefined && { waitMs: options.waitMs }),
        ...(options.schemas !== undefined && { schemas: options.schemas }),
        onFallback: (reason) => this.emit("fallback", reason),
      });
      transport = chosen.transport;
      this.transportName = chosen.current;
    }
    this.loop = new FeedLoop({
      store: this.store,
      transport,
      transportName: this.transportName,
      events: this,
      delivery: new HandlerDelivery(this.store, this, options.onChange),
      backoff: { baseMs: options.backoffMs ?? RECONNECT_BASE_MS, capMs: options.maxBackoffMs ?? RECONNECT_CAP_MS },
    });
  }

  /** Starts following the feed (openReplica does this); starting again changes nothing. */
  start(): this {
    this.loop.start();
    return this;
  }

  /** Stops following and closes the file; pages already applied stay. */
  async stop(): Promise<void> {
    await this.loop.stop();
    this.store.close();
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

  /** Ops received in pages since this replica was opened (not counting earlier runs). */
  get opsReceived(): number {
    return this.loop.opsReceived;
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
}

/** Opens (or creates) a replica file and starts following the region's feed. */
export function openReplica(options: ReplicaOptions): Replica {
  return new Replica(options).start();
}
