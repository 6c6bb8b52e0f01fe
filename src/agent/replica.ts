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
import type { Json, Row } from "../protocol/types.js";
import { RECONNECT_BASE_MS, RECONNECT_CAP_MS } from "../retry/reconnect.js";
import type { ReplicaEvents } from "./events.js";
import { FeedLoop } from "./feed-loop.js";
import { type ChangeHandler, HandlerDelivery } from "./handler-delivery.js";
import { type LinkState, LinkStatus } from "./link-status.js";
import { ReplicaReader, type ReplicaRow } from "./replica-reader.js";
import { ReplicaStore } from "./replica-store.js";
import { StatusReporter } from "./status-reporter.js";
import { type FeedTransport, type TransportName, transportFor } from "./transport.js";
import { type BarrierOptions, VersionBarrier } from "./version-barrier.js";

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
  /**
   * How long the file keeps the tombstones of deletes for its own change feed (the
   * listener's `/changes` and `/watch`): older ones are purged, at most once a minute
   * after a page, raising the file's floor. Default 7 days, the server's default
   * `--tombstone-retention`; 0 keeps them for ever.
   */
  tombstoneRetentionMs?: number;
}

/** The server's default tombstone retention, so that the file's feed reaches back as far. */
export const DEFAULT_REPLICA_TOMBSTONE_RETENTION_MS = 7 * 24 * 3600_000;
/** Compaction runs after a page at most this often: it scans the tombstones only. */
const COMPACTION_INTERVAL_MS = 60_000;

export class Replica extends EventEmitter<ReplicaEvents> {
  private readonly store: ReplicaStore;
  private readonly loop: FeedLoop;
  private readonly transportName: () => string;
  /** Reads go through their own connection, so they never wait on the feed loop's writes. */
  private readonly reader: ReplicaReader;
  private readonly barrier: VersionBarrier;
  private readonly linkStatus = new LinkStatus();
  private readonly reporter: StatusReporter | undefined;

  /** Opens (or creates) the replica file; nothing is fetched before `start()`. */
  constructor(private readonly options: ReplicaOptions) {
    super();
    this.store = new ReplicaStore(options.path, options.region, options.server, options.schemas);
    try {
      this.reader = new ReplicaReader(options.path);
    } catch (error) {
      this.store.close();
      throw error;
    }
    this.barrier = new VersionBarrier(options.region, () => this.store.state.cursor ?? 0);
    // First among the page listeners: a reader waiting for this version is answered
    // before handlers run, as soon as the page's commit made it visible.
    this.prependListener("page", () => this.barrier.publish());
    this.prependListener("disconnect", () => this.linkStatus.disconnected());
    const retentionMs = options.tombstoneRetentionMs ?? DEFAULT_REPLICA_TOMBSTONE_RETENTION_MS;
    if (retentionMs > 0) {
      let compacted = 0;
      this.on("page", () => {
        const now = Date.now();
        if (now - compacted < Math.min(COMPACTION_INTERVAL_MS, retentionMs)) return;
        compacted = now;
        this.store.compactTombstones(now - retentionMs);
      });
    }
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
        ...(options.schemas !== undefined && { schemas: options.schemas }),
        onFallback: (reason) => this.emit("fallback", reason),
      });
      transport = chosen.transport;
      this.transportName = chosen.current;
    }
    this.loop = new FeedLoop({
      store: this.store,
      transport: this.linkStatus.observe(transport),
      transportName: this.transportName,
      events: this,
      delivery: new HandlerDelivery(this.store, this, options.onChange),
      backoff: { baseMs: options.backoffMs ?? RECONNECT_BASE_MS, capMs: options.maxBackoffMs ?? RECONNECT_CAP_MS },
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
    this.linkStatus.disconnected();
    this.barrier.close();
    this.reader.close();
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

  /** The file's change feed is served from this version on (a cursor below it is reset). */
  get floor(): number {
    return this.store.state.floor;
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

  /** Whether the server is heard from, and how long ago it last was. */
  get link(): LinkState {
    return this.linkStatus.state;
  }

  /**
   * A row as readers see it. With `minVersion`, a promise that waits until the replica
   * has applied that version (ConsistencyTimeoutError after `timeoutMs`, default 5 s).
   */
  get(collection: string, key: string): Row | undefined;
  get(collection: string, key: string, options: BarrierOptions): Promise<Row | undefined>;
  get(collection: string, key: string, options?: BarrierOptions): Row | undefined | Promise<Row | undefined> {
    const read = () => {
      const row = this.reader.row(collection, key);
      return row && parseRow(row);
    };
    return options ? this.barrier.pass(options).then(read) : read();
  }

  /** Live rows of a collection in key order; with `minVersion`, once that version is applied. */
  list(collection: string): Row[];
  list(collection: string, options: BarrierOptions): Promise<Row[]>;
  list(collection: string, options?: BarrierOptions): Row[] | Promise<Row[]> {
    return options ? this.barrier.pass(options).then(() => this.readAll(collection)) : this.readAll(collection);
  }

  /** Every row, ordered by collection and key. */
  all(): Array<Row & { collection: string }> {
    return this.reader.all().map((row) => ({ collection: row.collection, ...parseRow(row) }));
  }

  /**
   * Resolves once the visible rows are at `version` or later (e.g. a write's version).
   * Without `timeoutMs` it waits as long as it takes (until `signal` aborts); with it,
   * it rejects with ConsistencyTimeoutError, as a `minVersion` read does.
   */
  waitFor(version: number, options?: AbortSignal | Omit<BarrierOptions, "minVersion">): Promise<void> {
    const { signal, timeoutMs } = options instanceof AbortSignal ? { signal: options, timeoutMs: undefined } : (options ?? {});
    if (timeoutMs !== undefined) return this.barrier.pass({ minVersion: version, timeoutMs, ...(signal && { signal }) });
    return this.barrier.reach(version, signal);
  }

  /** The replica file's path. */
  get path(): string {
    return this.options.path;
  }

  /**
   * Calls `listener` with the applied version and the link's state after each page, each
   * contact with the server and each disconnect (the read listener's thread follows the
   * replica with it). Returns the function that stops the calls.
   */
  observeReads(listener: (update: ReadUpdate) => void): () => void {
    const send = () => listener({ applied: this.store.state.cursor ?? 0, ...this.linkStatus.contact });
    this.on("page", send);
    this.on("disconnect", send);
    const stopContact = this.linkStatus.onContact(send);
    send();
    return () => {
      this.off("page", send);
      this.off("disconnect", send);
      stopContact();
    };
  }

  private readAll(collection: string): Row[] {
    const rows: Row[] = [];
    let after = "";
    for (;;) {
      const batch = this.reader.rows(collection, after, 1000);
      for (const row of batch) rows.push(parseRow(row));
      const last = batch.at(-1);
      if (!last || batch.length < 1000) return rows;
      after = last.key;
    }
  }
}

/** What the read listener's thread is told of the replica. */
export interface ReadUpdate {
  /** The version readers see. */
  applied: number;
  connected: boolean;
  /** When the server was last heard from (ms since the epoch), or null. */
  lastContact: number | null;
}

function parseRow(row: ReplicaRow): Row {
  return {
    key: row.key,
    version: row.version,
    ...(row.schemaVersion !== undefined && { schema: row.schemaVersion }),
    value: JSON.parse(row.valueJson) as Json,
  };
}

/** Opens (or creates) a replica file and starts following the region's feed. */
export function openReplica(options: ReplicaOptions): Replica {
  return new Replica(options).start();
}
