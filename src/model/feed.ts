/**
 * Pure rules of the change feed: when a cursor must be reset, and how a page is cut
 * so that it never splits a version. Backends fetch rows; these functions decide.
 */
import type { Region } from "../protocol/types.js";

/**
 * A cursor is served incrementally only when it lies in [floor, head] of the same epoch.
 *
 * One exception keeps paginated resets from restarting forever: the pages after a reset
 * page carry cursors of old live rows, which can lie below the floor. Such a reader holds
 * the live rows of the reset's snapshot (head `resetHead`) up to its cursor; the deletes
 * it still needs happened after that snapshot, so their tombstones survive as long as
 * the floor has not passed `resetHead`.
 */
export function needsReset(region: Region, since: number | undefined, epoch: string | undefined, resetHead?: number): boolean {
  if (since === undefined) return true;
  if (epoch !== undefined && epoch !== "" && epoch !== region.epoch) return true;
  if (since > region.version) return true;
  if (since >= region.floor) return false;
  return resetHead === undefined || since > resetHead || resetHead < region.floor || resetHead > region.version;
}

/**
 * The floor a page is cut against (see cutPage). A reader that continues resets with
 * `resetHead` can resume below the floor, so its pages are cut as if there were none.
 */
export function cutFloor(region: Region, query: { resumableReset?: boolean }): number {
  return query.resumableReset ? 0 : region.floor;
}

export type Cut =
  /** Everything after the cursor fit: the page ends at head. */
  | { kind: "all"; count: number }
  /** Keep the first `count` rows; the page ends at `cursor`, more follows. */
  | { kind: "partial"; count: number; cursor: number }
  /**
   * The first version alone exceeds the limit: fetch every row after the reader's
   * cursor up to and including `version` (that one version, or the compacted prefix).
   */
  | { kind: "whole-version"; version: number };

/**
 * Decides how to cut a page from rows fetched in version order with `limit + 1` as
 * the fetch size (one extra row tells whether the last version continues).
 *
 * Versions at or below `floor` count as one: a cursor below the floor is stale and
 * would be answered with another reset, so a reset page that stopped there could never
 * be resumed. The compacted prefix therefore comes whole, like any version larger than
 * the limit. Incremental pages start above the floor and are unaffected.
 */
export function cutPage(versions: readonly number[], limit: number, floor: number): Cut {
  if (versions.length <= limit) return { kind: "all", count: versions.length };
  const at = (index: number): number | undefined => {
    const version = versions[index];
    return version === undefined ? undefined : Math.max(version, floor);
  };
  const last = at(limit - 1);
  const next = at(limit);
  if (last === undefined || next === undefined) return { kind: "all", count: versions.length };
  if (next !== last) return { kind: "partial", count: limit, cursor: last };
  if (at(0) === last) return { kind: "whole-version", version: last };
  let count = limit - 1;
  while (count > 0 && at(count - 1) === last) count--;
  const cursor = at(count - 1);
  if (cursor === undefined) return { kind: "whole-version", version: last };
  return { kind: "partial", count, cursor };
}
