import type { Region } from "../protocol/types.js";
import type { Horizon } from "./write-command.js";

/**
 * The floor a compaction request leads to. The floor is the highest version at or
 * below which tombstones may be gone: a cursor at the floor has seen all of them and is
 * still served, a cursor below it is reset. The floor never moves down and never
 * passes the head.
 */
export function compactionFloor(region: Region, horizon: Horizon): number {
  const wanted =
    "retainVersions" in horizon ? region.version - horizon.retainVersions : Math.min(horizon.beforeVersion - 1, region.version);
  return Math.max(region.floor, Math.min(wanted, region.version), 0);
}
