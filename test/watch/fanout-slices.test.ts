/**
 * A fan-out lets the event loop turn while it writes to many sockets. Members that join
 * the group meanwhile stand where the group stood and get the event too; members that
 * leave meanwhile get nothing more; the group then moves on with everyone in it.
 */
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { SharedFeed } from "../../src/core/shared-feed.js";
import { internalsOf } from "../../src/core/store-internals.js";
import { openStore } from "../../src/open-store.js";
import type { FeedPosition } from "../../src/protocol/feed-position.js";
import type { EncodedEvent } from "../../src/server/encoded-event.js";
import { type FanOutMember, WatchFanOut } from "../../src/server/watch-fanout.js";
import { until } from "./watch-server.js";

class Member implements FanOutMember {
  readonly versions: number[] = [];
  leave: () => void = () => {};
  constructor(private readonly onDeliver: () => void = () => {}) {}
  deliver(event: EncodedEvent): boolean {
    const data = event.text.split("\n").find((line) => line.startsWith("data: "));
    const page = JSON.parse(data?.slice(6) ?? "{}") as { ops: Array<{ version: number }> };
    this.versions.push(...page.ops.map((op) => op.version));
    this.onDeliver();
    return true;
  }
  takeOver(): void {
    assert.fail("no member is handed a page in this test");
  }
}

describe("a fan-out that yields between members", () => {
  const opened = openStore({ path: ":memory:", maintenanceIntervalMs: 0 });
  after(async () => (await opened).close());

  it("delivers to members that join meanwhile, not to those that leave, and moves on with all of them", async () => {
    const store = await opened;
    const internals = internalsOf(store);
    const feed = new SharedFeed(internals.feedSource);
    // A slice of no time at all: the loop yields after every member.
    const fanOut = new WatchFanOut({ notifier: internals.notifier, feed, waitMs: 60_000, sliceMs: 0 });
    try {
      await store.put("r", "c", "a", 1);
      const { epoch } = await store.getVersion("r");
      const at: FeedPosition = { since: 1, epoch };
      const join = (member: Member, position = at) => {
        member.leave = fanOut.join("r", position, {}, member);
        return member;
      };
      const joiner = new Member();
      const leaver = new Member();
      // The first member's delivery adds a member at the group's old position and takes one out.
      const first = join(
        new Member(() => {
          if (first.versions.length === 1) {
            join(joiner);
            leaver.leave();
          }
        }),
      );
      const others = [join(new Member()), join(leaver), join(new Member())];
      const everyone = [first, others[0]!, others[2]!, joiner];

      await store.put("r", "c", "b", 2);
      await until(() => everyone.every((member) => member.versions.length === 1), "every member got version 2");
      assert.deepEqual(leaver.versions, [], "the member that left meanwhile got nothing");
      assert.equal(fanOut.members, 4);

      await store.put("r", "c", "c", 3);
      await until(() => everyone.every((member) => member.versions.length === 2), "every member got version 3");
      for (const member of everyone) assert.deepEqual(member.versions, [2, 3]);
      for (const member of everyone) member.leave();
    } finally {
      feed.close();
    }
  });
});
