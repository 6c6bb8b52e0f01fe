/**
 * The machinery behind VersoStore: group commit, the head notifier, raw reads and
 * background upkeep. VersoStore offers the contract's operations over it; the HTTP
 * server reaches it through `internalsOf(store)`.
 */

import { HeadNotifier } from "../model/head-notifier.js";
import type { RawPage, RawPageOp, StoredRow } from "../model/raw-page.js";
import type { ReplicacheMutation, WriteCommand } from "../model/write-command.js";
import { BadRequestError, ConsistencyTimeoutError, InternalError, NotFoundError, VersoError } from "../protocol/errors.js";
import type { SchemaSelection } from "../protocol/schemas.js";
import { DEFAULT_CONSISTENCY_TIMEOUT_MS, DEFAULT_PAGE_LIMIT, MAX_PAGE_LIMIT, MAX_WAIT_MS } from "../protocol/types.js";
import type { Storage } from "../storage/storage.js";
import type { TokenStorage } from "../storage/token-storage.js";
import { checkName, checkNonNegativeInt, compactCommand } from "./commands.js";
import { GroupCommitter } from "./group-commit.js";
import { Maintenance, type MaintenanceOptions } from "./maintenance.js";
import { compactResult, type Interpreter, interpret } from "./outcomes.js";
import type { ChangesOptions, ReadOptions } from "./read-options.js";
import { ReplayedRefusal } from "./replayed-refusal.js";
import { SchemaRegistry } from "./schema-registry.js";
import type { FeedSource } from "./shared-feed.js";
import type { BatchObserver, Executed, StoreInternals } from "./store-internals.js";

export interface StoreOptions extends Partial<MaintenanceOptions> {
  /** Group commit batch size; 1 turns group commit off. Default 512. */
  maxBatch?: number;
  /** Batches handed to storage at once (a backend with a connection pool can use several). Default 1. */
  writeConcurrency?: number;
  now?: () => number;
  log?: (line: string) => void;
  /** How long the schema versions of a collection are trusted before a reload (another node may register one). Default 1 s. */
  schemaCacheMs?: number;
}

/** A command's result, or why it was refused; either may be the replay of a first answer. */
type Settled<R> = { replayed: boolean } & ({ refused: false; response: R } | { refused: true; refusal: unknown });

export class StoreEngine implements StoreInternals {
  readonly notifier = new HeadNotifier();
  /** Schema versions of collections: checks writes, projects reads. */
  readonly schemas: SchemaRegistry;
  private readonly committer: GroupCommitter;
  private readonly maintenance: Maintenance;
  private readonly unsubscribe: () => void;
  private readonly batchObservers = new Set<BatchObserver>();
  private closed = false;
  private admission: Promise<void> = Promise.resolve();

  constructor(
    readonly storage: Storage,
    options: StoreOptions = {},
  ) {
    this.schemas = new SchemaRegistry(storage.schemas(), {
      ...(options.schemaCacheMs !== undefined && { cacheMs: options.schemaCacheMs }),
      ...(options.now !== undefined && { now: options.now }),
    });
    this.committer = new GroupCommitter(storage, {
      maxBatch: options.maxBatch ?? 512,
      maxInFlight: options.writeConcurrency ?? 1,
      onBatch: (size, seconds) => {
        for (const observer of this.batchObservers) observer(size, seconds);
      },
    });
    this.unsubscribe = storage.onCommit((region, head) => this.notifier.publish(region, head));
    const upkeep = {
      sweepIdempotency: (before: number) => storage.sweepIdempotency(before),
      tombstoneHorizons: (before: number) => storage.tombstoneHorizons(before),
      compact: (region: string, beforeVersion: number) => this.run(compactCommand(region, { beforeVersion }), compactResult),
    };
    this.maintenance = new Maintenance(upkeep, options);
    this.maintenance.start();
  }

  readonly feedSource: FeedSource = {
    changesRaw: (region, options) => this.changesRaw(region, options),
    head: async (region) => (await this.storage.region(checkName("region", region))).version,
    onCommit: (listener) => this.storage.onCommit((region) => listener(region)),
  };

  get backend(): string {
    return this.storage.backend;
  }

  observeBatches(observer: BatchObserver): () => void {
    this.batchObservers.add(observer);
    return () => this.batchObservers.delete(observer);
  }

  tokens(): TokenStorage | undefined {
    return this.storage.tokens?.();
  }

  /** Applies a command and returns its interpreted result; a refusal is thrown as it is. */
  async run<C extends WriteCommand, R>(command: C, interpreter: Interpreter<C, R>): Promise<R> {
    const settled = await this.settle(command, interpreter);
    if (settled.refused) throw settled.refusal;
    return settled.response;
  }

  async execute(command: WriteCommand): Promise<Executed> {
    const settled = await this.settle(command, interpret);
    if (!settled.refused) return { response: settled.response, replayed: settled.replayed };
    const { refusal, replayed } = settled;
    throw replayed && refusal instanceof VersoError ? new ReplayedRefusal(refusal) : refusal;
  }

  private async settle<C extends WriteCommand, R>(command: C, interpreter: Interpreter<C, R>): Promise<Settled<R>> {
    if (this.closed) throw new InternalError("the store is closed");
    // Commands reach the group committer in the order they were issued, also when one of
    // them waits for its collection's schema versions to load.
    const admitted = this.admission.then(() => {
      if (command.kind === "replicachePush") return this.stampMutations(command.mutations);
      if (command.kind !== "txn") return;
      const pointer = command.form === "txn" ? (index: number) => `/ops/${index}/value` : () => "";
      return this.schemas.stamp(command.ops, pointer);
    });
    this.admission = admitted.catch(() => {});
    await admitted;
    const { outcome, replayed } = await this.committer.submit(command);
    try {
      return { replayed, refused: false, response: interpreter(command, outcome) };
    } catch (refusal) {
      return { replayed, refused: true, refusal };
    }
  }

  /** A mutation whose values break their collections' schemas is rejected, not the push that carries it. */
  private async stampMutations(mutations: ReplicacheMutation[]): Promise<void> {
    // Most pushes write schemaless collections only: find that out once per collection, not once per mutation.
    const typed = new Set<string>();
    const written = new Set(mutations.flatMap((m) => m.ops.filter((op) => op.op === "put").map((op) => op.collection)));
    for (const collection of written) if ((await this.schemas.versions(collection)).length > 0) typed.add(collection);
    if (typed.size === 0) return;
    for (const mutation of mutations) {
      if (mutation.rejected !== undefined || !mutation.ops.some((op) => op.op === "put" && typed.has(op.collection))) continue;
      try {
        await this.schemas.stamp(mutation.ops, (index) => `/args/ops/${index}/value`);
      } catch (error) {
        if (!(error instanceof VersoError)) throw error;
        mutation.rejected = error.message;
        mutation.ops = [];
      }
    }
  }

  async getRaw(region: string, collection: string, key: string, options: ReadOptions = {}): Promise<StoredRow> {
    checkName("region", region);
    checkName("collection", collection);
    checkName("key", key);
    if (options.minVersion !== undefined) await this.barrier(region, options);
    const selection = await this.selection(options.schemas);
    const row = await this.storage.row(region, collection, key);
    if (!row) throw new NotFoundError(`row ${collection}/${key} does not exist in region ${region}`);
    return selection ? (await this.projectRows([row], selection))[0]! : row;
  }

  async listRaw(
    region: string,
    collection: string,
    after?: string | null,
    limit?: number,
    schemas?: SchemaSelection,
  ): Promise<{ rows: StoredRow[]; next: string | null }> {
    checkName("region", region);
    checkName("collection", collection);
    if (after !== undefined && after !== null && after !== "") checkName("key", after);
    const size = pageLimit(limit);
    const selection = await this.selection(schemas);
    const rows = await this.storage.rows(region, collection, after || null, size + 1);
    const more = rows.length > size;
    const page = more ? rows.slice(0, size) : rows;
    return { rows: selection ? await this.projectRows(page, selection) : page, next: more ? (page[page.length - 1]?.key ?? null) : null };
  }

  async changesRaw(region: string, options: ChangesOptions = {}): Promise<RawPage> {
    checkName("region", region);
    const query = {
      region,
      limit: pageLimit(options.limit),
      ...(options.since !== undefined && { since: checkNonNegativeInt("since", options.since) }),
      ...(options.epoch !== undefined && { epoch: options.epoch }),
      ...(options.resetHead !== undefined && { resetHead: checkNonNegativeInt("resetHead", options.resetHead) }),
      ...(options.resumableReset && { resumableReset: true }),
      ...(options.collection !== undefined && { collection: checkName("collection", options.collection) }),
      ...(options.largeResetPages && options.limit === undefined && { resetLimit: MAX_PAGE_LIMIT }),
    };
    const selection = await this.selection(options.schemas);
    const project = (raw: RawPage) => (selection ? this.projectPage(raw, selection) : raw);
    const page = await this.storage.changes(query);
    const waitMs = Math.min(checkNonNegativeInt("waitMs", options.waitMs ?? 0), MAX_WAIT_MS);
    if (waitMs === 0 || page.reset || page.ops.length > 0 || page.cursor !== query.since) return project(page);
    const reached = await this.waitForVersion(region, page.cursor + 1, waitMs, options.signal);
    return project(reached ? await this.storage.changes(query) : page);
  }

  /**
   * A page with the values of the selected collections at the selected versions (a new
   * page: the one given may be shared between readers). Throws unknown_schema_version
   * or schema_projection_failed, never a value the reader's version refuses.
   */
  async projectPage(page: RawPage, schemas: SchemaSelection): Promise<RawPage> {
    const selection = await this.selection(schemas);
    if (!selection) return page;
    const puts = page.ops.filter((op): op is RawPageOp & { op: "put" } => op.op === "put");
    const projected = await this.projectRows(puts, selection);
    const byOp = new Map(puts.map((op, i) => [op, projected[i]!]));
    return { ...page, ops: page.ops.map((op) => (op.op === "put" ? { ...op, ...byOp.get(op) } : op)) };
  }

  /** The selection, checked: every collection named has the version asked for. Undefined when empty. */
  private async selection(schemas: SchemaSelection | undefined): Promise<SchemaSelection | undefined> {
    if (schemas === undefined || Object.keys(schemas).length === 0) return undefined;
    await this.schemas.resolve(schemas);
    return schemas;
  }

  private async projectRows<T extends StoredRow>(rows: readonly T[], selection: SchemaSelection): Promise<T[]> {
    await this.schemas.ensure(rows);
    return rows.map((row) => {
      const to = Object.hasOwn(selection, row.collection) ? selection[row.collection] : undefined;
      if (to === undefined || row.schemaVersion === to) return row;
      return { ...row, valueJson: this.schemas.projectJson(row, to), schemaVersion: to };
    });
  }

  waitForVersion(region: string, version: number, timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
    return this.notifier.waitFor(region, version, timeoutMs, async () => (await this.storage.region(region)).version, signal);
  }

  private async barrier(region: string, options: ReadOptions): Promise<void> {
    const minVersion = checkNonNegativeInt("minVersion", options.minVersion);
    const timeoutMs = Math.min(checkNonNegativeInt("timeoutMs", options.timeoutMs ?? DEFAULT_CONSISTENCY_TIMEOUT_MS), MAX_WAIT_MS);
    if (await this.waitForVersion(region, minVersion, timeoutMs, options.signal)) return;
    const version = (await this.storage.region(region)).version;
    throw new ConsistencyTimeoutError(`region ${region} is at version ${version}, not yet ${minVersion}, after ${timeoutMs} ms`, {
      minVersion,
      version,
    });
  }

  runMaintenance(): Promise<void> {
    return this.maintenance.runOnce();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.maintenance.stop();
    this.notifier.close();
    await this.committer.drain();
    this.unsubscribe();
    await this.storage.close();
  }
}

function pageLimit(limit: number | undefined): number {
  if (limit === undefined) return DEFAULT_PAGE_LIMIT;
  const value = checkNonNegativeInt("limit", limit, 1);
  if (value > MAX_PAGE_LIMIT) throw new BadRequestError(`limit must be at most ${MAX_PAGE_LIMIT}`);
  return value;
}
