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
  | { op: "put"; collection: string; key: string; version: number; value: Json }
  | { op: "del"; collection: string; key: string; version: number };

export interface Page {
  region: string;
  epoch: string;
  reset: boolean;
  ops: PageOp[];
  cursor: number;
  head: number;
  more: boolean;
}

export type CompactRequest = { retainVersions: number } | { beforeVersion: number };

export interface CompactResult {
  floor: number;
  purged: number;
}

export const DEFAULT_PAGE_LIMIT = 1000;
export const MAX_PAGE_LIMIT = 10000;
export const MAX_VALUE_BYTES = 1024 * 1024;
/**
 * Deepest nesting of arrays and objects in a value. Far beyond what state needs, and
 * low enough that every reader stays within its recursion limits (serde_json stops at
 * 128) even inside the page and event envelopes that add a few levels around a value.
 */
export const MAX_VALUE_DEPTH = 100;
