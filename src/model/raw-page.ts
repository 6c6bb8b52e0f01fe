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

/**
 * When a row's current life began (`created`, as etcd's create_revision), and where its
 * previous life ended (`priorEnd`, the version of the tombstone a put replaced; absent
 * when none is known). Both are upper bounds: a row is never live at a version below
 * `created` unless a previous life reached past that version, i.e. `priorEnd` > it.
 */
export interface RowLife {
  created: number;
  priorEnd?: number;
}

/** `life` is read by the feed of one collection only (ChangesQuery.collection). */
export type RawPageOp =
  | { op: "clear" }
  | { op: "put"; collection: string; key: string; version: number; valueJson: string; schemaVersion?: number; life?: RowLife }
  | { op: "del"; collection: string; key: string; version: number; life?: RowLife };

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
  /**
   * Ops of a reset page and of the pages that continue it (`resetHead`), instead of
   * `limit`: a reader that rebuilds its copy from nothing gains from fewer, larger pages.
   */
  resetLimit?: number;
  /** Only this collection's rows, each with its life (the feed of a shape). */
  collection?: string;
}
