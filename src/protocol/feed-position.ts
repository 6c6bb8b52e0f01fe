/**
 * Where a feed reader stands after applying a page: the cursor, its epoch, and while a
 * reset spans pages the head of that reset's first page (so that its continuation is
 * served even if a compaction raised the floor above the cursor meanwhile; see
 * needsReset in src/model/feed.ts).
 */
import type { Page } from "./types.js";

export interface FeedPosition {
  /** Absent: nothing held yet, the next page is a reset. */
  since?: number;
  /** Absent or "": only floor and head are checked. */
  epoch?: string;
  resetHead?: number;
}

/** The position to ask from after a page has been applied. */
export function advance(position: FeedPosition, page: Pick<Page, "cursor" | "epoch" | "head" | "reset" | "more">): FeedPosition {
  const resetHead = !page.more ? undefined : page.reset ? page.head : position.resetHead;
  return { since: page.cursor, epoch: page.epoch, ...(resetHead !== undefined && { resetHead }) };
}

/** The position given by these fields, with the absent ones left out. */
export function feedPosition(fields: {
  since?: number | undefined;
  epoch?: string | undefined;
  resetHead?: number | undefined;
}): FeedPosition {
  return {
    ...(fields.since !== undefined && { since: fields.since }),
    ...(fields.epoch !== undefined && { epoch: fields.epoch }),
    ...(fields.resetHead !== undefined && { resetHead: fields.resetHead }),
  };
}
