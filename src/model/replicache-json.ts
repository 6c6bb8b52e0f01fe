/**
 * A Replicache pull response as JSON text. Row values are spliced in as storage holds
 * them (as page-json.ts does for the feed): a reset of a large region is not parsed
 * and serialised again value by value.
 */
import type { RawPageOp } from "./raw-page.js";
import { type ReplicacheCookie, replicacheKey } from "./replicache.js";

/** One patch op; `clear` and `del` need no value. */
export function patchOpJson(op: RawPageOp): string {
  if (op.op === "clear") return '{"op":"clear"}';
  const key = JSON.stringify(replicacheKey(op.collection, op.key));
  return op.op === "del" ? `{"op":"del","key":${key}}` : `{"op":"put","key":${key},"value":${op.valueJson}}`;
}

/** Identical to JSON.stringify of the response with parsed values. */
export function serializePull(
  cookie: ReplicacheCookie,
  lastMutationIDChanges: ReadonlyArray<{ clientID: string; lastMutationID: number }>,
  ops: readonly RawPageOp[],
): string {
  const changes = lastMutationIDChanges.map((c) => `${JSON.stringify(c.clientID)}:${c.lastMutationID}`).join(",");
  const patch = ops.map(patchOpJson).join(",");
  return `{"cookie":${JSON.stringify(cookie)},"lastMutationIDChanges":{${changes}},"patch":[${patch}]}`;
}
