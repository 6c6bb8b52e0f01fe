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

export type WriteCommand =
  | { kind: "txn"; form: TxnForm; region: string; ops: WriteOp[]; idempotency?: IdempotencyTag }
  | { kind: "nextVersion"; region: string; idempotency?: IdempotencyTag }
  | { kind: "compact"; region: string; horizon: Horizon; idempotency?: IdempotencyTag };
