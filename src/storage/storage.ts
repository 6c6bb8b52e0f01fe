/**
 * The one storage interface every backend implements. It is semantic rather than
 * row-level: a backend applies whole verso commands inside its own transactions,
 * because the atomicity of "take the next version and change the rows" is the
 * property verso exists for and each engine achieves it its own way. Pure decisions
 * (conditions, paging, stale cursors) live in src/core and are shared by all backends.
 */
import type { Region } from "../protocol/types.js";
import type { TokenStorage } from "./token-storage.js";

/** Expected state of a row: a version (0 = must be absent) or "present" (HTTP `If-Match: *`). */
export type Expectation = number | "present";

export type WriteOp =
  | { op: "put"; collection: string; key: string; valueJson: string; expect?: Expectation }
  | { op: "delete"; collection: string; key: string; expect?: Expectation };

/** Fingerprint of the request an Idempotency-Key was first used with. */
export interface IdempotencyTag {
  key: string;
  fingerprint: string;
}

export type Horizon = { retainVersions: number } | { beforeVersion: number };

/** How the request was phrased: it decides the response shape, so it is part of the fingerprint. */
export type TxnForm = "put" | "delete" | "txn";

export type WriteCommand =
  | { kind: "txn"; form: TxnForm; region: string; ops: WriteOp[]; idempotency?: IdempotencyTag }
  | { kind: "nextVersion"; region: string; idempotency?: IdempotencyTag }
  | { kind: "compact"; region: string; horizon: Horizon; idempotency?: IdempotencyTag };

export interface CurrentRaw {
  version: number;
  valueJson: string;
}

export interface RawFailure {
  index: number;
  collection: string;
  key: string;
  /** "mismatch": a stated expectation failed; "missing": a delete without expectation found nothing. */
  reason: "mismatch" | "missing";
  current: CurrentRaw | null;
}

export type WriteOutcome =
  | { status: "committed"; region: string; version: number }
  | { status: "compacted"; region: string; floor: number; purged: number }
  | { status: "failed"; failures: RawFailure[] }
  | { status: "idempotency_key_reused" };

/** An outcome with whether it was replayed from an earlier request with the same Idempotency-Key. */
export interface WriteResult {
  outcome: WriteOutcome;
  replayed: boolean;
}

export interface StoredRow {
  collection: string;
  key: string;
  version: number;
  valueJson: string;
}

export type RawPageOp =
  | { op: "clear" }
  | { op: "put"; collection: string; key: string; version: number; valueJson: string }
  | { op: "del"; collection: string; key: string; version: number };

export interface RawPage {
  region: string;
  epoch: string;
  reset: boolean;
  ops: RawPageOp[];
  cursor: number;
  head: number;
  more: boolean;
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

export type CommitListener = (region: string, head: number) => void;

export interface Storage {
  /** Short name of the backend, e.g. "sqlite". */
  readonly backend: string;
  /**
   * Applies each command as its own verso transaction, all inside one storage commit
   * (group commit). A failed condition fails only its own command. Resolves after the
   * commit is durable. A command that hit an unexpected error yields that Error and left
   * nothing behind; its neighbours are unaffected.
   */
  write(batch: readonly WriteCommand[]): Promise<Array<WriteResult | Error>>;
  region(name: string): Promise<Region>;
  regions(): Promise<Region[]>;
  /** A live row, or undefined when absent or deleted. */
  row(region: string, collection: string, key: string): Promise<StoredRow | undefined>;
  /** Live rows of a collection in key order, keys strictly after `after`. */
  rows(region: string, collection: string, after: string | null, limit: number): Promise<StoredRow[]>;
  /** One page of the change feed, read from one snapshot. */
  changes(query: ChangesQuery): Promise<RawPage>;
  /** Per region, the highest version whose tombstones were all written before `before` (ms epoch). */
  tombstoneHorizons(before: number): Promise<Array<{ region: string; version: number }>>;
  /** Deletes idempotency records created before `before` (ms epoch); returns how many. */
  sweepIdempotency(before: number): Promise<number>;
  /** Called after every commit that moved a region's head (also commits made by other nodes, where a backend can see them). */
  onCommit(listener: CommitListener): () => void;
  /** Where this backend keeps API tokens; absent when it keeps none (then only the admin token works). */
  tokens?(): TokenStorage;
  close(): Promise<void>;
}
