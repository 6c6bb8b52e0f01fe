/**
 * Pure rules of verso's Replicache endpoints (pull and push version 1), shared by both
 * storage engines and the server: mutation-id sequencing, how a mutation's conditions
 * decide its fate, the cookie, and keys. No I/O.
 */

import type { WriteOp } from "./write-command.js";
import type { RawFailure } from "./write-outcome.js";

/** A client's state as stored: the group it belongs to and the last mutation id processed. */
export interface ReplicacheClientState {
  clientGroupID: string;
  lastMutationID: number;
}

export type MutationStep =
  | { kind: "skip" }
  | { kind: "apply" }
  | { kind: "stop"; reason: "future" | "unknown_client" | "other_group"; lastMutationID: number };

/**
 * What a push does with mutation `id` of a client (Replicache's push contract): an id at
 * or below the last processed one was processed already, the next one is applied, and
 * any gap stops the push. A client the server has no state for may only start at id 1:
 * past that, its state was lost and Replicache must be told (ClientStateNotFound).
 */
export function mutationStep(client: ReplicacheClientState | undefined, clientGroupID: string, id: number): MutationStep {
  const last = client?.lastMutationID ?? 0;
  if (client && client.clientGroupID !== clientGroupID) return { kind: "stop", reason: "other_group", lastMutationID: last };
  if (id <= last) return { kind: "skip" };
  if (id === last + 1) return { kind: "apply" };
  return { kind: "stop", reason: client ? "future" : "unknown_client", lastMutationID: last };
}

/**
 * The ops a mutation writes once its conditions were checked against the current rows.
 * Replicache's `del` of an absent key is a no-op, so a delete that found nothing is
 * dropped; a stated `ifVersion` that does not hold rejects the whole mutation.
 */
export function resolveMutationOps(ops: readonly WriteOp[], failures: readonly RawFailure[]): { ops: WriteOp[] } | { rejected: string } {
  const mismatch = failures.find((f) => f.reason === "mismatch");
  if (mismatch) {
    const at = mismatch.current ? `is at version ${mismatch.current.version}` : "does not exist";
    return { rejected: `ifVersion of ${mismatch.collection}/${mismatch.key} does not hold: the row ${at}` };
  }
  const missing = new Set(failures.map((f) => f.index));
  return { ops: ops.filter((_, index) => !missing.has(index)) };
}

/** The ops of a mutation need the rows' current states: deletes (absent ones are dropped) and stated versions. */
export function needsRowStates(ops: readonly WriteOp[]): boolean {
  return ops.some((op) => op.op === "delete" || op.expect !== undefined);
}

/**
 * verso's Replicache cookie. `version` and `epoch` say which region state the client
 * holds; `order` is what Replicache compares and must never go back, also across a
 * reset to a region whose versions restarted (another epoch) or went back (a restore).
 */
export interface ReplicacheCookie {
  order: number;
  version: number;
  epoch: string;
}

/**
 * The cookie after a pull that brought the client to `version` of `epoch`. An
 * incremental pull moves `order` as far as the version moved; a reset moves it at
 * least one step, whatever the new version is.
 */
export function nextCookie(previous: ReplicacheCookie | null, reset: boolean, version: number, epoch: string): ReplicacheCookie {
  if (previous === null) return { order: version, version, epoch };
  const moved = version - previous.version;
  return { order: previous.order + (reset ? Math.max(1, moved) : moved), version, epoch };
}

/** Replicache's key for a row: the collection, `/`, the row's key (collections hold no `/`). */
export function replicacheKey(collection: string, key: string): string {
  return `${collection}/${key}`;
}

/** Splits a Replicache key at its first `/`; undefined when it has none. */
export function splitReplicacheKey(key: string): { collection: string; key: string } | undefined {
  const at = key.indexOf("/");
  if (at < 0) return undefined;
  return { collection: key.slice(0, at), key: key.slice(at + 1) };
}
