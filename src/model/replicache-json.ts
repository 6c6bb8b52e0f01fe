/**
 * A Replicache pull response as JSON text. Row values are spliced in as storage holds
 * them (as page-json.ts does for the feed): a reset of a large region is not parsed
 * and serialised again value by value. The patch comes first, so that a patch of many
 * pages can be sent as its pages are read; the cookie and the last mutation ids, known
 * once the last page is read, close the object.
 */
import type { RawPageOp } from "./raw-page.js";
import { type ReplicacheCookie, replicacheKey } from "./replicache.js";

export const PULL_OPENING = '{"patch":[';

/** One patch op; `clear` and `del` need no value. */
export function patchOpJson(op: RawPageOp): string {
  if (op.op === "clear") return '{"op":"clear"}';
  const key = JSON.stringify(replicacheKey(op.collection, op.key));
  return op.op === "del" ? `{"op":"del","key":${key}}` : `{"op":"put","key":${key},"value":${op.valueJson}}`;
}

/** What follows the patch's last op. */
export function pullClosing(
  cookie: ReplicacheCookie,
  lastMutationIDChanges: ReadonlyArray<{ clientID: string; lastMutationID: number }>,
): string {
  const changes = lastMutationIDChanges.map((c) => `${JSON.stringify(c.clientID)}:${c.lastMutationID}`).join(",");
  return `],"cookie":${JSON.stringify(cookie)},"lastMutationIDChanges":{${changes}}}`;
}

/** The whole response at once; the same text as the pieces above sent one after the other. */
export function serializePull(
  cookie: ReplicacheCookie,
  lastMutationIDChanges: ReadonlyArray<{ clientID: string; lastMutationID: number }>,
  ops: readonly RawPageOp[],
): string {
  return PULL_OPENING + ops.map(patchOpJson).join(",") + pullClosing(cookie, lastMutationIDChanges);
}
