/**
 * What the HTTP server, its watch streams and the tests need of a store beyond its
 * public operations: commands as the routes decode them, rows and pages still as JSON
 * text, the head notifier. Reached through `internalsOf(store)`; no package entry
 * exports this module, so embedding applications see the contract's operations only.
 */

import type { HeadNotifier } from "../model/head-notifier.js";
import type { RawPage, StoredRow } from "../model/raw-page.js";
import type { WriteCommand } from "../model/write-command.js";
import type { SchemaSelection } from "../protocol/schemas.js";
import type { Storage } from "../storage/storage.js";
import type { TokenStorage } from "../storage/token-storage.js";
import type { WriteResponse } from "./outcomes.js";
import type { ChangesOptions, ReadOptions } from "./read-options.js";
import type { SchemaRegistry } from "./schema-registry.js";
import type { FeedSource } from "./shared-feed.js";

export interface Executed<R = WriteResponse> {
  response: R;
  replayed: boolean;
}

/** Told each group-commit batch's size and how long storage took to commit it. */
export type BatchObserver = (size: number, seconds: number) => void;

export interface StoreInternals {
  readonly notifier: HeadNotifier;
  readonly storage: Storage;
  /** Short name of the storage backend, e.g. "sqlite". */
  readonly backend: string;
  /** Where the backend keeps API tokens; undefined when it keeps none. */
  tokens(): TokenStorage | undefined;
  /**
   * Applies a validated command (see commands.ts) and interprets its outcome; throws
   * contract errors, wrapped in ReplayedRefusal when they are a replayed first answer.
   */
  execute(command: WriteCommand): Promise<Executed>;
  /** A live row as stored (value still JSON text); throws not_found. */
  getRaw(region: string, collection: string, key: string, options?: ReadOptions): Promise<StoredRow>;
  listRaw(
    region: string,
    collection: string,
    after?: string | null,
    limit?: number,
    schemas?: SchemaSelection,
  ): Promise<{ rows: StoredRow[]; next: string | null }>;
  /** One page of changes as stored (values still JSON text); long-polls when asked. */
  changesRaw(region: string, options?: ChangesOptions): Promise<RawPage>;
  /** Resolves true when the region's head reaches `version`, false on timeout or abort. */
  waitForVersion(region: string, version: number, timeoutMs: number, signal?: AbortSignal): Promise<boolean>;
  /** A page (as shared between watchers) with the selected collections at the selected schema versions. */
  projectPage(page: RawPage, schemas: SchemaSelection): Promise<RawPage>;
  /** Schema versions of collections: registration, checks of writes, projection of reads. */
  readonly schemas: SchemaRegistry;
  /** Calls `observer` after every committed batch; returns the unsubscribe. */
  observeBatches(observer: BatchObserver): () => void;
  /** What a SharedFeed reads from. */
  readonly feedSource: FeedSource;
}

const registry = new WeakMap<object, StoreInternals>();

/** Called once by the store's constructor. */
export function attachInternals(store: object, internals: StoreInternals): void {
  registry.set(store, internals);
}

export function internalsOf(store: object): StoreInternals {
  const internals = registry.get(store);
  if (!internals) throw new TypeError("not a VersoStore");
  return internals;
}
