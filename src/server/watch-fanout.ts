/**
 * Live watchers of a region that stand at the same position (and ask for the same page
 * shape) form a group. A commit wakes the group once, not each watcher: one wait on the
 * head notifier, one turn later one shared read, one encoding of the page, and then the
 * same bytes written to every member's socket in one loop. What a watcher would
 * otherwise pay per commit (a waiter with its timer and abort listener, a turn of its
 * own, a read lookup, the event's framing and copy) is paid once per group.
 *
 * A page the group cannot hand out as is (one with `more`, whose next pages each member
 * must pace by its own socket) is handed to every member, which takes over from there
 * and joins a group again once caught up.
 */
import { setImmediate as nextTurn } from "node:timers/promises";
import type { PageShape, SharedFeed } from "../core/shared-feed.js";
import type { HeadNotifier } from "../model/head-notifier.js";
import type { RawPage } from "../model/raw-page.js";
import { advance, type FeedPosition } from "../protocol/feed-position.js";
import type { EncodedEvent } from "./encoded-event.js";
import { changesEvent } from "./watch-events.js";

/** A page a member must handle itself, with the position it was read at. */
export interface Handover {
  page: RawPage;
  position: FeedPosition;
}

export interface FanOutMember {
  /** Writes an event the group encoded; false when the member has ended (cut off, gone). */
  deliver(event: EncodedEvent): boolean;
  /** The group hands the member a page to go on with, or a read's failure, or (undefined) the store closing. */
  takeOver(next: Handover | { error: unknown } | undefined): void;
}

export interface WatchFanOutOptions {
  notifier: HeadNotifier;
  feed: SharedFeed;
  /** How long a group waits before it checks again whether it still has members. */
  waitMs: number;
  /** Told how many pages (one per member) and ops a shared delivery sent (metrics). */
  onPages?: (pages: number, ops: number) => void;
}

interface Group {
  key: string;
  region: string;
  position: FeedPosition;
  shape: PageShape;
  members: Set<FanOutMember>;
  /** Releases the group's wait once it has no members left. */
  idle: AbortController;
}

export class WatchFanOut {
  private readonly groups = new Map<string, Group>();
  /** Where each member is: groups merge, so the group a member joined may not be its group now. */
  private readonly groupOf = new Map<FanOutMember, Group>();

  constructor(private readonly options: WatchFanOutOptions) {}

  /** Adds a watcher caught up at `position`; the returned function takes it out again. */
  join(region: string, position: FeedPosition, shape: PageShape, member: FanOutMember): () => void {
    const key = groupKey(region, position, shape);
    let group = this.groups.get(key);
    const created = group === undefined;
    group ??= { key, region, position, shape, members: new Set(), idle: new AbortController() };
    group.members.add(member);
    this.groupOf.set(member, group);
    if (created) {
      this.groups.set(key, group);
      void this.run(group);
    }
    return () => this.leave(member);
  }

  /** Watchers in groups, for tests and observability. */
  get members(): number {
    let n = 0;
    for (const group of this.groups.values()) n += group.members.size;
    return n;
  }

  private leave(member: FanOutMember): void {
    const group = this.groupOf.get(member);
    if (group === undefined) return;
    this.groupOf.delete(member);
    if (!group.members.delete(member) || group.members.size > 0) return;
    if (this.groups.get(group.key) === group) this.groups.delete(group.key);
    group.idle.abort();
  }

  private async run(group: Group): Promise<void> {
    const { notifier, feed, waitMs } = this.options;
    try {
      while (group.members.size > 0) {
        const target = (group.position.since ?? 0) + 1;
        const reached = await notifier.waitFor(group.region, target, waitMs, () => feed.head(group.region), group.idle.signal);
        if (group.members.size === 0) return;
        if (notifier.isClosed) {
          this.release(group, undefined);
          return;
        }
        if (!reached) continue;
        // The commit's writers are answered in this turn; the fan-out follows in the next.
        await nextTurn();
        if (group.members.size === 0) return;
        this.deliver(group, await feed.changes(group.region, group.position, group.shape));
      }
    } catch (error) {
      this.release(group, { error });
    }
  }

  private deliver(group: Group, page: RawPage): void {
    if (page.more) {
      this.release(group, { page, position: group.position });
      return;
    }
    const after = advance(group.position, page);
    const event = changesEvent(page, after, group.shape);
    let sent = 0;
    // A member that is cut off leaves the set while it is iterated, which Set allows.
    for (const member of group.members) if (member.deliver(event)) sent++;
    if (sent > 0) this.options.onPages?.(sent, sent * page.ops.length);
    this.move(group, after);
  }

  /** The group now stands at `position`; a group already there takes its members in. */
  private move(group: Group, position: FeedPosition): void {
    if (this.groups.get(group.key) === group) this.groups.delete(group.key);
    if (group.members.size === 0) return;
    const key = groupKey(group.region, position, group.shape);
    const there = this.groups.get(key);
    if (there === undefined) {
      group.key = key;
      group.position = position;
      this.groups.set(key, group);
      return;
    }
    for (const member of group.members) {
      there.members.add(member);
      this.groupOf.set(member, there);
    }
    group.members.clear();
    group.idle.abort();
  }

  /** Every member goes on by itself (the group ends). */
  private release(group: Group, next: Handover | { error: unknown } | undefined): void {
    if (this.groups.get(group.key) === group) this.groups.delete(group.key);
    const members = [...group.members];
    group.members.clear();
    for (const member of members) {
      this.groupOf.delete(member);
      member.takeOver(next);
    }
  }
}

function groupKey(region: string, position: FeedPosition, shape: PageShape): string {
  return `${region}\u0000${position.since ?? ""}:${position.epoch ?? ""}:${position.resetHead ?? ""}:${shape.limit ?? ""}:${shape.resumableReset ? 2 : 1}`;
}
