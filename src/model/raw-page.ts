/**
 * Rows and feed pages as storage holds them: values stay JSON text, so the HTTP layer
 * can splice them into responses without parsing (see page-json.ts).
 */

export interface StoredRow {
  collection: string;
  key: string;
  version: number;
  valueJson: string;
  /** The schema version the value was written under; absent when its collection had none. */
  schemaVersion?: number;
}

export type RawPageOp =
  | { op: "clear" }
  | { op: "put"; collection: string; key: string; version: number; valueJson: string; schemaVersion?: number }
  | { op: "del"; collection: string; key: string; version: number };

export interface RawPage {
  region: string;
  epoch: string;
  reset: boolean;
  ops: RawPageOp[];
  cursor: number;
  head: number;
  more: boolean;
  /** On a reset page: the live rows the whole reset holds (see Page.resetRows). */
  resetRows?: number;
}

export interface ChangesQuery {
  region: string;
  /** Absent: the reader has nothing and wants a reset page. */
  since?: number;
  /** Absent or "": only floor and head are checked. */
  epoch?: string;
  /** Set while a paginated reset continues: the head of the reset's first page (see needsReset). */
  resetHead?: number;
  /**
   * The reader continues resets with `resetHead` (protocol 2), so a reset page may stop
   * below the floor and stay within `limit`. Otherwise the live rows at or below the
   * floor come in one page: a cursor below the floor could not be continued.
   */
  resumableReset?: boolean;
  limit: number;
}
