/**
 * VersoStore: verso's operations in-process. The HTTP server is a thin layer over it,
 * and applications that embed verso call it directly (`openStore`).
 */

import { parsePage } from "../model/page-json.js";
import type { RawPage, StoredRow } from "../model/raw-page.js";
import type { WriteCommand } from "../model/write-command.js";
import { BadRequestError, ConsistencyTimeoutError, InternalError, NotFoundError, VersoError } from "../protocol/errors.js";
import {
  type ChangesParams,
  type CompactRequest,
  type CompactResult,
  type ConditionalWriteOptions,
  DEFAULT_PAGE_LIMIT,
  type DeleteResult,
  type Json,
  MAX_PAGE_LIMIT,
  type NextVersionResult,
  type Page,
  type PutResult,
  type Region,
  type Row,
  type RowList,
  type TxnOp,
  type TxnResult,
  type WriteOptions,
} from "../protocol/types.js";
import type { Storage } from "../storage/storage.js";
import { checkName, checkNonNegativeInt, compactCommand, deleteCommand, nextVersionCommand, putCommand, txnCommand } from "./commands.js";
import { GroupCommitter } from "./group-commit.js";
import { HeadNotifier } from "./head-notifier.js";
import { Maintenance, type MaintenanceOptions } from "./maintenance.js";
import { interpret, type WriteResponse } from "./outcomes.js";

export const DEFAULT_CONSISTENCY_TIMEOUT_MS = 5_000;
export const MAX_WAIT_MS = 120_000;

export interface StoreOptions extends Partial<MaintenanceOptions> {
  /** Group commit batch size; 1 turns group commit off. Default 512. */
  maxBatch?: number;
  /** Batches handed to storage at once (a backend with a connection pool can use several). Default 1. */
  writeConcurrency?: number;
  now?: () => number;
  log?: (line: string) => void;
}

export interface ReadOptions {
  /** Wait until the region's head is at least this version (read-your-writes barrier). */
  minVersion?: number;
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface ChangesOptions extends ChangesParams {
  /** The caller continues resets with resetHead: reset pages may stop below the floor (see ChangesQuery). */
  resumableReset?: boolean;
  signal?: AbortSignal;
}

export interface Executed {
  response: WriteResponse;
  replayed: boolean;
}

export class VersoStore {
  readonly notifier = new HeadNotifier();
  private readonly committer: GroupCommitter;
  private readonly maintenance: Maintenance;
  private readonly unsubscribe: () => void;
  private closed = false;

  constructor(
    readonly storage: Storage,
    options: StoreOptions = {},
  ) {
    this.committer = new GroupCommitter(storage, { maxBatch: options.maxBatch ?? 512, maxInFlight: options.writeConcurrency ?? 1 });
    this.unsubscribe = storage.onCommit((region, head) => this.notifier.publish(region, head));
    this.maintenance = new Maintenance(this, options);
  }

  /** Applies a validated command (see commands.ts) and interprets its outcome; throws contract errors. */
  async execute(command: WriteCommand): Promise<Executed> {
    if (this.closed) throw new InternalError("the store is closed");
    const { outcome, replayed } = await this.committer.submit(command);
    try {
      return { response: interpret(command, outcome), replayed };
    } catch (error) {
      if (replayed && error instanceof VersoError) Object.assign(error, { replayed: true });
      throw error;
    }
  }

  async nextVersion(region: string, options: WriteOptions = {}): Promise<NextVersionResult> {
    return (await this.execute(nextVersionCommand(region, options.idempotencyKey))).response as NextVersionResult;
  }

  async getVersion(region: string): Promise<Region> {
    return this.storage.region(checkName("region", region));
  }

  async regions(): Promise<Region[]> {
    return this.storage.regions();
  }

  async put(region: string, collection: string, key: string, value: Json, options: ConditionalWriteOptions = {}): Promise<PutResult> {
    const command = putCommand(region, collection, key, value, options.ifVersion, options.idempotencyKey);
    return (await this.execute(command)).response as PutResult;
  }

  async delete(region: string, collection: string, key: string, options: ConditionalWriteOptions = {}): Promise<DeleteResult> {
    const command = deleteCommand(region, collection, key, options.ifVersion, options.idempotencyKey);
    return (await this.execute(command)).response as DeleteResult;
  }

  async transact(region: string, ops: TxnOp[], options: WriteOptions = {}): Promise<TxnResult> {
    return (await this.execute(txnCommand(region, { ops }, options.idempotencyKey))).response as TxnResult;
  }

  async compact(region: string, request: CompactRequest, options: WriteOptions = {}): Promise<CompactResult> {
    return (await this.execute(compactCommand(region, request, options.idempotencyKey))).response as CompactResult;
  }

  /** A live row as stored (value still JSON text); throws not_found. */
  async getRaw(region: string, collection: string, key: string, options: ReadOptions = {}): Promise<StoredRow> {
    checkName("region", region);
    checkName("collection", collection);
    checkName("key", key);
    if (options.minVersion !== undefined) await this.barrier(region, options);
    const row = await this.storage.row(region, collection, key);
    if (!row) throw new NotFoundError(`row ${collection}/${key} does not exist in region ${region}`);
    return row;
  }

  async get(region: string, collection: string, key: string, options: ReadOptions = {}): Promise<Row> {
    const row = await this.getRaw(region, collection, key, options);
    return { key: row.key, version: row.version, value: JSON.parse(row.valueJson) };
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

  async list(region: string, collection: string, options: { after?: string; limit?: number } = {}): Promise<RowList> {
    const { rows, next } = await this.listRaw(region, collection, options.after, options.limit);
    return { rows: rows.map((r) => ({ key: r.key, version: r.version, value: JSON.parse(r.valueJson) })), next };
  }

  /** One page of changes as stored (values still JSON text); long-polls when asked. */
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
    const since = page.cursor;
    const reached = await this.notifier.waitFor(
      region,
      since + 1,
      waitMs,
      async () => (await this.storage.region(region)).version,
      options.signal,
    );
    return reached ? this.storage.changes(query) : page;
  }

  async changes(region: string, options: ChangesOptions = {}): Promise<Page> {
    return parsePage(await this.changesRaw(region, options));
  }

  /** Resolves true when the region's head reaches `version`, false on timeout or abort. */
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

  /** Runs the periodic idempotency sweep and tombstone retention once (also on a timer). */
  runMaintenance(): Promise<void> {
    return this.maintenance.runOnce();
  }

  /** Stops background work, releases waiters, finishes queued writes, closes storage. */
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
