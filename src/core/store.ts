/**
 * VersoStore: verso's operations in-process. The HTTP server is a thin layer over it,
 * and applications that embed verso call it directly (`openStore`). It offers the
 * contract's operations only; the machinery behind them is StoreEngine.
 */

import { parsePage } from "../model/page-json.js";
import type { StoredRow } from "../model/raw-page.js";
import type {
  CollectionSchemas,
  Compatibility,
  JsonSchema,
  RegisteredSchema,
  SchemaCheck,
  SchemaSelection,
  SchemaSummary,
  UpgradeBatch,
  UpgradeResult,
} from "../protocol/schemas.js";
import type {
  CompactRequest,
  CompactResult,
  ConditionalWriteOptions,
  DeleteResult,
  Json,
  NextVersionResult,
  Page,
  PutResult,
  Region,
  Row,
  RowList,
  TxnOp,
  TxnResult,
  WriteOptions,
} from "../protocol/types.js";
import type { Storage } from "../storage/storage.js";
import { checkName, compactCommand, deleteCommand, nextVersionCommand, putCommand, txnCommand } from "./commands.js";
import { compactResult, deleteResult, nextVersionResult, putResult, txnResult } from "./outcomes.js";
import type { ChangesOptions, ReadOptions } from "./read-options.js";
import { upgradeCollection } from "./schema-upgrade.js";
import { StoreEngine, type StoreOptions } from "./store-engine.js";
import { attachInternals } from "./store-internals.js";

export type { ChangesOptions, ReadOptions } from "./read-options.js";
export type { StoreOptions } from "./store-engine.js";

export class VersoStore {
  readonly #engine: StoreEngine;

  constructor(storage: Storage, options: StoreOptions = {}) {
    this.#engine = new StoreEngine(storage, options);
    attachInternals(this, this.#engine);
  }

  nextVersion(region: string, options: WriteOptions = {}): Promise<NextVersionResult> {
    return this.#engine.run(nextVersionCommand(region, options.idempotencyKey), nextVersionResult);
  }

  async getVersion(region: string): Promise<Region> {
    return this.#engine.storage.region(checkName("region", region));
  }

  regions(): Promise<Region[]> {
    return this.#engine.storage.regions();
  }

  put(region: string, collection: string, key: string, value: Json, options: ConditionalWriteOptions = {}): Promise<PutResult> {
    return this.#engine.run(putCommand(region, collection, key, value, options.ifVersion, options.idempotencyKey), putResult);
  }

  delete(region: string, collection: string, key: string, options: ConditionalWriteOptions = {}): Promise<DeleteResult> {
    return this.#engine.run(deleteCommand(region, collection, key, options.ifVersion, options.idempotencyKey), deleteResult);
  }

  transact(region: string, ops: TxnOp[], options: WriteOptions = {}): Promise<TxnResult> {
    return this.#engine.run(txnCommand(region, { ops }, options.idempotencyKey), txnResult);
  }

  compact(region: string, request: CompactRequest, options: WriteOptions = {}): Promise<CompactResult> {
    return this.#engine.run(compactCommand(region, request, options.idempotencyKey), compactResult);
  }

  async get(region: string, collection: string, key: string, options: ReadOptions = {}): Promise<Row> {
    return toRow(await this.#engine.getRaw(region, collection, key, options));
  }

  async list(
    region: string,
    collection: string,
    options: { after?: string; limit?: number; schemas?: SchemaSelection } = {},
  ): Promise<RowList> {
    const { rows, next } = await this.#engine.listRaw(region, collection, options.after, options.limit, options.schemas);
    return { rows: rows.map(toRow), next };
  }

  /** Registers the next schema version of a collection; the latest schema again returns its version. */
  registerSchema(collection: string, schema: JsonSchema, compatibility?: Compatibility): Promise<RegisteredSchema> {
    return this.#engine.schemas.register(collection, { schema, ...(compatibility !== undefined && { compatibility }) });
  }

  /** What registering would do: the version, and every compatibility rule it breaks. */
  async checkSchema(collection: string, schema: JsonSchema, compatibility?: Compatibility): Promise<SchemaCheck> {
    const check = await this.#engine.schemas.check(collection, { schema, ...(compatibility !== undefined && { compatibility }) });
    return { ...check, compatible: check.reasons.length === 0 };
  }

  /** Rewrites every live row of a collection under schema version `to`, batch by batch (see schema-upgrade.ts). */
  upgradeSchema(
    collection: string,
    to: number,
    options: { limit?: number; onBatch?: (batch: UpgradeBatch) => void } = {},
  ): Promise<UpgradeResult> {
    return upgradeCollection(this.#engine, collection, to, options);
  }

  /** Every version of a collection's schema; not_found when it has none. */
  schema(collection: string): Promise<CollectionSchemas> {
    return this.#engine.schemas.describe(collection);
  }

  /** Every collection with a schema, and its latest version. */
  schemas(): Promise<SchemaSummary[]> {
    return this.#engine.schemas.list();
  }

  async changes(region: string, options: ChangesOptions = {}): Promise<Page> {
    return parsePage(await this.#engine.changesRaw(region, options));
  }

  /** Runs the periodic idempotency sweep and tombstone retention once (also on a timer). */
  runMaintenance(): Promise<void> {
    return this.#engine.runMaintenance();
  }

  /** Stops background work, releases waiters, finishes queued writes, closes storage. */
  close(): Promise<void> {
    return this.#engine.close();
  }
}

function toRow(row: StoredRow): Row {
  return {
    key: row.key,
    version: row.version,
    ...(row.schemaVersion !== undefined && { schema: row.schemaVersion }),
    value: JSON.parse(row.valueJson),
  };
}
