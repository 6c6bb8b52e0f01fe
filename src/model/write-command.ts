/**
 * A write as verso decides it: validated, backend-neutral, and complete enough to be
 * fingerprinted for Idempotency-Key reuse. Every backend applies these whole.
 */

import type { Expectation } from "../protocol/types.js";

export type { Expectation };

export type WriteOp =
  | {
      op: "put";
      collection: string;
      key: string;
      valueJson: string;
      expect?: Expectation;
      /** The schema version the value was checked against (absent: the collection is schemaless). Not part of the fingerprint. */
      schemaVersion?: number;
    }
  | { op: "delete"; collection: string; key: string; expect?: Expectation };

/** Fingerprint of the request an Idempotency-Key was first used with. */
export interface IdempotencyTag {
  key: string;
  fingerprint: string;
}

export type Horizon = { retainVersions: number } | { beforeVersion: number };

/** How the request was phrased: it decides the response shape, so it is part of the fingerprint. */
export type TxnForm = "put" | "delete" | "txn";

/**
 * One Replicache mutation as decoded from a push: the ops its mutator stands for, or
 * why it cannot be applied. A rejected mutation is still recorded as processed (its
 * client must not get stuck behind it) and changes no row.
 */
export interface ReplicacheMutation {
  clientID: string;
  id: number;
  name: string;
  ops: WriteOp[];
  rejected?: string;
}

export type WriteCommand =
  | { kind: "txn"; form: TxnForm; region: string; ops: WriteOp[]; idempotency?: IdempotencyTag }
  /** A Replicache push: each mutation once, at its own version, with its client's last mutation id in the same transaction. */
  | { kind: "replicachePush"; region: string; clientGroupID: string; mutations: ReplicacheMutation[]; idempotency?: IdempotencyTag }
  | { kind: "nextVersion"; region: string; idempotency?: IdempotencyTag }
  | { kind: "compact"; region: string; horizon: Horizon; idempotency?: IdempotencyTag };
