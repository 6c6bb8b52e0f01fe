/** Wire types of HTTP API v1 (JSON, camelCase). Pure data: no I/O lives here. */

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export interface Region {
  region: string;
  /** Identity of this incarnation of the region; "" for a region never written. */
  epoch: string;
  /** Head: the last version taken; 0 for a region never written. */
  version: number;
  /** Cursors below the floor can no longer be served incrementally (tombstones purged). */
  floor: number;
}

export interface NextVersionResult {
  region: string;
  version: number;
}

export interface Row {
  key: string;
  version: number;
  /** The schema version the value is shown at; absent in a collection without schemas. */
  schema?: number;
  value: Json;
}

export interface PutResult {
  region: string;
  collection: string;
  key: string;
  version: number;
}

export interface DeleteResult {
  version: number;
}

export interface TxnResult {
  version: number;
}

export interface RowList {
  rows: Row[];
  next: string | null;
}

/** The current state of a row as reported with a failed condition; null when absent or deleted. */
export type CurrentRow = { version: number; value: Json } | null;

export interface TxnFailure {
  index: number;
  collection: string;
  key: string;
  current: CurrentRow;
}

export type TxnOp =
  | { op: "put"; collection: string; key: string; value: Json; ifVersion?: number }
  | { op: "delete"; collection: string; key: string; ifVersion?: number };

export interface TxnRequest {
  ops: TxnOp[];
}

export type PageOp =
  | { op: "clear" }
  | { op: "put"; collection: string; key: string; version: number; schema?: number; value: Json }
  | { op: "del"; collection: string; key: string; version: number };

export interface Page {
  region: string;
  epoch: string;
  reset: boolean;
  ops: PageOp[];
  cursor: number;
  head: number;
  more: boolean;
  /**
   * On a reset page only: how many live rows the reset holds (the region's at `head`),
   * so a reader can show its progress as a percentage. Absent from servers before it.
   */
  resetRows?: number;
}

/** Expected state of a row: a version (0 = must be absent, `If-None-Match: *`) or "present" (`If-Match: *`). */
export type Expectation = number | "present";

/** Options of every write, in the store and the client alike. */
export interface WriteOptions {
  /** Sent as `Idempotency-Key`: a retry with the same key returns the first answer. */
  idempotencyKey?: string;
}

/** Options of a single-row put or delete. */
export interface ConditionalWriteOptions extends WriteOptions {
  /** Expected current state (`If-Match` / `If-None-Match`). */
  ifVersion?: Expectation;
}

/** The query of a row read, as the store and the client take it. */
export interface ReadParams {
  /** Wait until the region's head is at least this version (read-your-writes barrier). */
  minVersion?: number;
  /** How long to wait for `minVersion` before 504 consistency_timeout. */
  timeoutMs?: number;
}

/** The query of a collection's rows: a page of keys after `after`. */
export interface ListParams {
  after?: string;
  limit?: number;
}

/** The query of `GET /changes`, as the store and the client take it. */
export interface ChangesParams {
  since?: number;
  epoch?: string;
  /** While a reset spans pages: the head of its first page, so the following pages continue it. */
  resetHead?: number;
  limit?: number;
  /** Long-poll: wait up to this long for something newer than `since`. */
  waitMs?: number;
  /** Values of these collections at these schema versions (`Verso-Schema`; a SchemaSelection). */
  schemas?: Readonly<Record<string, number>>;
}

export type CompactRequest = { retainVersions: number } | { beforeVersion: number };

export interface CompactResult {
  floor: number;
  purged: number;
}

export const DEFAULT_PAGE_LIMIT = 1000;
/** How long a `minVersion` read waits when it names no `timeoutMs`, and the longest wait any read may ask for. */
export const DEFAULT_CONSISTENCY_TIMEOUT_MS = 5_000;
export const MAX_WAIT_MS = 120_000;
export const MAX_PAGE_LIMIT = 10000;
export const MAX_VALUE_BYTES = 1024 * 1024;
/**
 * Deepest nesting of arrays and objects in a value. Far beyond what state needs, and
 * low enough that every reader stays within its recursion limits (serde_json stops at
 * 128) even inside the page and event envelopes that add a few levels around a value.
 */
export const MAX_VALUE_DEPTH = 100;
