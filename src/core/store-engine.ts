/**
 * The machinery behind VersoStore: group commit, the head notifier, raw reads and
 * background upkeep. VersoStore offers the contract's operations over it; the HTTP
 * server reaches it through `internalsOf(store)`.
 */

import type { RawPage, StoredRow } from "../model/raw-page.js";
import type { WriteCommand } from "../model/write-command.js";
import { BadRequestError, ConsistencyTimeoutError, InternalError, NotFoundError, VersoError } from "../protocol/errors.js";
import { DEFAULT_PAGE_LIMIT, MAX_PAGE_LIMIT } from "../protocol/types.js";
import type { Storage } from "../storage/storage.js";
import type { TokenStorage } from "../storage/token-storage.js";
import { checkName, checkNonNegativeInt, compactCommand } from "./commands.js";
import { GroupCommitter } from "./group-commit.js";
import { HeadNotifier } from "./head-notifier.js";
import { Maintenance, type MaintenanceOptions } from "./maintenance.js";
import { compactResult, type Interpreter, interpret } from "./outcomes.js";
import type { ChangesOptions, ReadOptions } from "./read-options.js";
import { ReplayedRefusal } from "./replayed-refusal.js";
import type { FeedSource } from "./shared-feed.js";
import type { BatchObserver, Executed, StoreInternals } from "./store-internals.js";

const DEFAULT_CONSISTENCY_TIMEOUT_MS = 5_000;
const MAX_WAIT_MS = 120_000;

export interface StoreOptions extends Partial<MaintenanceOptions> {
  /** Group commit batch size; 1 turns group commit off. Default 512. */
  maxBatch?: number;
  /** Batches handed to storage at once (a backend with a connection pool can use several). Default 1. */
  writeConcurrency?: number;
  now?: () => number;
  log?: (line: string) => void;
}

/** A command's result, or why it was refused; either may be the replay of a first answer. */
type Settled<R> = { replayed: boolean } & ({ refused: false; response: R } | { refused: true; refusal: unknown });

export class StoreEngine implements StoreInternals {
  readonly notifier = new HeadNotifier();
  private readonly committer: GroupCommitter;
  private readonly maintenance: Maintenance;
  private readonly unsubscribe: () => void;
  private readonly batchObservers = new Set<BatchObserver>();
  private closed = false;

  constructor(
    readonly storage: Storage,
    options: StoreOptions = {},
  ) {
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
    const { outcome, replayed } = await this.committer.submit(command);
    try {
      return { replayed, refused: false, response: interpreter(command, outcome) };
    } catch (refusal) {
      return { replayed, refused: true, refusal };
    }
  }

  async getRaw(region: string, collection: string, key: string, options: ReadOptions = {}): Promise<StoredRow> {
    checkName("region", region);
    checkName("collection", collection);
    checkName("key", key);
    if (options.minVersion !== undefined) await this.barrier(region, options);
    const row = await this.storage.row(region, collection, key);
    if (!row) throw new NotFoundError(`row ${collection}/${key} does not exist in region ${region}`);
    return row;
  }

  async listRaw(
    region: string,
    collection: string,
    after?: string | null,
    limit?: number,
  ): Promise<{ rows: StoredRow[]; next: string | null }> {
    checkName("region", region);
    checkName("collection", collection);
    if (after !== undefined && after !== null && after !== "") checkName("key", after);
    const size = pageLimit(limit);
    const rows = await this.storage.rows(region, collection, after || null, size + 1);
    const more = rows.length > size;
    const page = more ? rows.slice(0, size) : rows;
    return { rows: page, next: more ? (page[page.length - 1]?.key ?? null) : null };
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
    };
    const page = await this.storage.changes(query);
    const waitMs = Math.min(checkNonNegativeInt("waitMs", options.waitMs ?? 0), MAX_WAIT_MS);
    if (waitMs === 0 || page.reset || page.ops.length > 0 || page.cursor !== query.since) return page;
    const reached = await this.waitForVersion(region, page.cursor + 1, waitMs, options.signal);
    return reached ? this.storage.changes(query) : page;
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
