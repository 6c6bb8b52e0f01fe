/** What a replica tells its listeners. */
import type { ChangeOp } from "./replica-store.js";

export interface PageInfo {
  ops: number;
  reset: boolean;
  cursor: number;
  head: number;
  more: boolean;
  /** On a reset's first page, when the server tells it: the live rows the whole reset holds. */
  resetRows?: number;
}

export interface ReplicaEvents {
  /** Caught up to the head, once per connection. */
  ready: [{ cursor: number; head: number }];
  /** Each delivery of an op that became visible (again after a retry or a restart). */
  change: [ChangeOp];
  /** A reset was swapped in. */
  reset: [{ epoch: string; cursor: number; rows: number }];
  page: [PageInfo];
  connect: [{ transport: string; attempt: number }];
  disconnect: [{ error: Error; retryInMs: number }];
  /** The server has no watch endpoint: long-polling from now on. */
  fallback: [string];
  handlerError: [{ change: ChangeOp; error: Error; retryInMs: number }];
}
