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
import type { Row } from "../protocol/types.js";
import type { ReplicaEvents } from "./events.js";
import { FeedLoop } from "./feed-loop.js";
import { type ChangeHandler, HandlerDelivery } from "./handler-delivery.js";
import { ReplicaStore } from "./replica-store.js";
import { StatusReporter } from "./status-reporter.js";
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
  /** Client for the server (tests inject one with a custom fetch). */
  client?: VersoClient;
  /** A name for this agent in the server's fleet view (`GET /v1/agents`). */
  name?: string;
  /**
   * Whether to report progress to the server (default true; with a custom transport only
   * when a `client` is given): at once when caught up, soon after pages, and at least
   * every `statusIntervalMs`.
   */
  report?: boolean;
  /** Longest time between two reports. Default 10 s. */
  statusIntervalMs?: number;
}

export class Replica extends EventEmitter<ReplicaEvents> {
  private readonly store: ReplicaStore;
  private readonly loop: FeedLoop;
  private readonly transportName: () => string;
  private readonly reporter: StatusReporter | undefined;

  /** Opens (or creates) the replica file; nothing is fetched before `start()`. */
  constructor(private readonly options: ReplicaOptions) {
    super();
    this.store = new ReplicaStore(options.path, options.region, options.server);
    let transport: FeedTransport;
    const client =
      options.client ??
      (typeof options.transport === "function"
        ? undefined
        : new VersoClient({ server: options.server, ...(options.token && { token: options.token }) }));
    if (typeof options.transport === "function") {
      transport = options.transport;
      this.transportName = () => "custom";
    } else {
      const chosen = transportFor(options.transport ?? "watch", {
        client: client as VersoClient,
        region: options.region,
        ...(options.pageLimit !== undefined && { pageLimit: options.pageLimit }),
        ...(options.waitMs !== undefined && { waitMs: options.waitMs }),
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
      backoff: { baseMs: options.backoffMs ?? 200, capMs: options.maxBackoffMs ?? 10_000 },
    });
    if (client && options.report !== false) {
      const reporter = new StatusReporter({
        client,
        region: options.region,
        id: this.store.agentId,
        snapshot: () => this.report(),
        intervalMs: options.statusIntervalMs ?? 10_000,
      });
      this.on("ready", () => reporter.now());
      this.on("page", () => reporter.soon());
      this.reporter = reporter;
    }
  }

  /** What the server is told: the applied cursor and, with a handler, how far it has got. */
  private report() {
    const applied = this.cursor;
    if (applied === undefined) return undefined;
    let handled: number | null = null;
    if (this.options.onChange) {
      const next = this.store.pending(1)[0];
      handled = next === undefined ? applied : Math.max(0, next.change.version - 1);
    }
    return { name: this.options.name ?? null, applied, handled, transport: this.transportName() };
  }

  /** Starts following the feed (openReplica does this); starting again changes nothing. */
  start(): this {
    this.loop.start();
    this.reporter?.start();
    return this;
  }

  /** Stops following and closes the file; pages already applied stay. */
  async stop(): Promise<void> {
    await this.reporter?.stop();
    await this.loop.stop();
    this.store.close();
  }

  get region(): string {
    return this.options.region;
  }

  /** This agent's id in the server's fleet view, kept in the replica file. */
  get agentId(): string {
    return this.store.agentId;
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
