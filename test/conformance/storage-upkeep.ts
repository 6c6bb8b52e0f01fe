/**
 * Compaction and the floor, tombstone horizons, the idempotency sweep, commit
 * notifications, and what survives closing and reopening a persistent backend.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { compactCommand, deleteCommand, nextVersionCommand, putCommand } from "../../src/core/commands.js";
import type { WriteOutcome } from "../../src/model/write-outcome.js";
import type { Storage } from "../../src/storage/storage.js";
import { cellId, entries, follow, type State } from "../support/replica.js";
import { changes, commit, committedVersion, headReached, type OpenBackend, opsOf, pageReader, withHarness, write1 } from "./fixture.js";

/** Region "r": tombstones at versions 4, 5 and 7, the only live row d@6, head 8. */
async function withTombstones(storage: Storage): Promise<void> {
  await commit(storage, putCommand("r", "c", "a", 1)); // 1
  await commit(storage, putCommand("r", "c", "b", 2)); // 2
  await commit(storage, putCommand("r", "c", "c", 3)); // 3
  await commit(storage, deleteCommand("r", "c", "a")); // 4
  await commit(storage, deleteCommand("r", "c", "b")); // 5
  await commit(storage, putCommand("r", "c", "d", 6)); // 6
  await commit(storage, deleteCommand("r", "c", "c")); // 7
  await commit(storage, nextVersionCommand("r")); // 8
}

async function compact(storage: Storage, region: string, body: unknown, key?: string): Promise<WriteOutcome> {
  return (await write1(storage, compactCommand(region, body, key))).outcome;
}

export function describeUpkeep(open: OpenBackend): void {
  describe("compaction", () => {
    it("purges tombstones at or below the new floor and counts them", () =>
      withHarness(open, async ({ storage }) => {
        await withTombstones(storage);
        const { epoch } = await storage.region("r");
        assert.deepEqual(await compact(storage, "r", { beforeVersion: 5 }), { status: "compacted", region: "r", floor: 4, purged: 1 });
        assert.deepEqual(opsOf(await changes(storage, "r", 4)), ["del c/b@5", "put c/d@6", "del c/c@7"]);
        assert.deepEqual(await compact(storage, "r", { retainVersions: 2 }), { status: "compacted", region: "r", floor: 6, purged: 1 });
        assert.deepEqual(await storage.region("r"), { region: "r", epoch, version: 8, floor: 6 }, "compaction takes no version");
        assert.deepEqual(opsOf(await changes(storage, "r", 6)), ["del c/c@7"]);
        assert.equal(await storage.row("r", "c", "d").then((r) => r?.valueJson), "6", "live rows stay");
      }));

    it("the floor never moves down and never passes the head", () =>
      withHarness(open, async ({ storage }) => {
        await withTombstones(storage);
        const floorAfter = async (body: unknown) => {
          const outcome = await compact(storage, "r", body);
          assert.equal(outcome.status, "compacted");
          return outcome.status === "compacted" ? [outcome.floor, outcome.purged] : [];
        };
        assert.deepEqual(await floorAfter({ retainVersions: 3 }), [5, 2]);
        assert.deepEqual(await floorAfter({ retainVersions: 6 }), [5, 0], "a smaller horizon keeps the floor");
        assert.deepEqual(await floorAfter({ beforeVersion: 2 }), [5, 0]);
        assert.deepEqual(await floorAfter({ beforeVersion: 0 }), [5, 0]);
        assert.deepEqual(await floorAfter({ retainVersions: 1000 }), [5, 0]);
        assert.deepEqual(await floorAfter({ beforeVersion: 100 }), [8, 1], "clamped at head");
        assert.deepEqual(await floorAfter({ retainVersions: 0 }), [8, 0]);
        assert.equal((await storage.region("r")).floor, 8);
        assert.equal(await commit(storage, putCommand("r", "c", "n", 9)), 9);
        assert.deepEqual(await floorAfter({ retainVersions: 0 }), [9, 0]);
      }));

    it("a never-written region compacts to floor 0 and is not created", () =>
      withHarness(open, async ({ storage }) => {
        assert.deepEqual(await compact(storage, "none", { retainVersions: 0 }), {
          status: "compacted",
          region: "none",
          floor: 0,
          purged: 0,
        });
        assert.deepEqual(await storage.regions(), []);
      }));

    it("a cursor at the floor is served; one below it is reset and converges", () =>
      withHarness(open, async ({ storage }) => {
        await withTombstones(storage);
        const reader = await follow(pageReader(storage, "r"), { state: new Map(), since: 0 }, 1000);
        await compact(storage, "r", { beforeVersion: 8 });
        assert.equal((await changes(storage, "r", 7)).reset, false);
        assert.equal((await changes(storage, "r", 6)).reset, true);
        const live: State = new Map([[cellId("c", "d"), { version: 6, valueJson: "6" }]]);
        for (const since of [0, 3, 6]) {
          const again = await follow(pageReader(storage, "r"), { state: reader.state, since }, 1);
          assert.equal(again.pages[0]?.reset, true);
          assert.deepEqual(entries(again.state), entries(live), `from ${since}`);
        }
      }));

    it("reset pages still paginate when most live rows are below the floor", () =>
      withHarness(open, async ({ storage }) => {
        const live: State = new Map();
        for (let i = 1; i <= 6; i++) {
          await commit(storage, putCommand("r", "c", `k${i}`, i));
          live.set(cellId("c", `k${i}`), { version: i, valueJson: String(i) });
        }
        await commit(storage, putCommand("r", "c", "gone", 0)); // 7
        await commit(storage, deleteCommand("r", "c", "gone")); // 8
        await commit(storage, putCommand("r", "c", "k9", 9)); // 9
        live.set(cellId("c", "k9"), { version: 9, valueJson: "9" });
        assert.equal((await compact(storage, "r", { retainVersions: 1 })).status, "compacted");
        for (const limit of [1, 2, 3, 100]) {
          const reader = await follow(pageReader(storage, "r"), { state: new Map() }, limit);
          assert.deepEqual(entries(reader.state), entries(live), `limit ${limit}`);
          assert.equal(reader.cursor, 9);
          for (const page of reader.pages)
            assert.ok(page.cursor >= 8, `a page ends at ${page.cursor}, below the floor: it could not be resumed`);
        }
      }));

    it("a compaction with an Idempotency-Key replays its first answer", () =>
      withHarness(open, async ({ storage }) => {
        await withTombstones(storage);
        const command = compactCommand("r", { retainVersions: 2 }, "compact-1");
        const first = await write1(storage, command);
        assert.deepEqual(first, { outcome: { status: "compacted", region: "r", floor: 6, purged: 2 }, replayed: false });
        assert.deepEqual(await write1(storage, command), { outcome: first.outcome, replayed: true });
      }));
  });

  describe("tombstoneHorizons", () => {
    it("reports per region the highest tombstone version written before the given time", () =>
      withHarness(open, async ({ storage }) => {
        const t0 = Date.now();
        await withTombstones(storage);
        await commit(storage, putCommand("s", "c", "x", 1));
        await commit(storage, deleteCommand("s", "c", "x"));
        await commit(storage, putCommand("s", "c", "y", 3));
        await commit(storage, putCommand("puts-only", "c", "x", 1));
        assert.deepEqual(await storage.tombstoneHorizons(t0 - 60_000), []);
        const later = Date.now() + 60_000;
        const sorted = async () => (await storage.tombstoneHorizons(later)).sort((a, b) => (a.region < b.region ? -1 : 1));
        assert.deepEqual(await sorted(), [
          { region: "r", version: 7 },
          { region: "s", version: 2 },
        ]);
        await compact(storage, "s", { beforeVersion: 3 });
        assert.deepEqual(await sorted(), [{ region: "r", version: 7 }], "purged tombstones are gone");
      }));
  });

  describe("sweepIdempotency", () => {
    it("deletes records older than the given time; the keys then start afresh", () =>
      withHarness(open, async ({ storage }) => {
        const t0 = Date.now();
        const put = putCommand("r", "c", "k", 1, undefined, "a");
        await write1(storage, put);
        await write1(storage, nextVersionCommand("r", "b"));
        await write1(storage, putCommand("r", "c", "k", 1, 0, "c"));
        assert.equal(await storage.sweepIdempotency(t0 - 60_000), 0);
        assert.equal((await write1(storage, put)).replayed, true, "young records stay");
        assert.equal(await storage.sweepIdempotency(Date.now() + 60_000), 3);
        assert.equal(await storage.sweepIdempotency(Date.now() + 60_000), 0);
        assert.deepEqual(await write1(storage, put), { outcome: { status: "committed", region: "r", version: 3 }, replayed: false });
        assert.equal(committedVersion((await write1(storage, putCommand("r", "c", "k", 2, undefined, "b"))).outcome), 4);
      }));
  });

  describe("onCommit", () => {
    it("tells listeners the new head of each commit, not of failures, replays or compactions", () =>
      withHarness(open, async ({ storage }) => {
        const events: Array<[string, number]> = [];
        const stop = storage.onCommit((region, head) => events.push([region, head]));
        const first = headReached(storage, "r", 1);
        await write1(storage, putCommand("r", "c", "k", 1, undefined, "once"));
        await first;
        const baseline = events.length;
        assert.deepEqual(events.at(-1), ["r", 1]);
        await write1(storage, putCommand("r", "c", "k", 1, 0));
        await write1(storage, putCommand("r", "c", "k", 1, undefined, "once"));
        await write1(storage, compactCommand("r", { retainVersions: 0 }));
        const batch = headReached(storage, "r", 3);
        const other = headReached(storage, "s", 1);
        await storage.write([putCommand("r", "c", "a", 2), nextVersionCommand("r"), nextVersionCommand("s")]);
        await Promise.all([batch, other]);
        const after = events.slice(baseline);
        assert.ok(
          after.every(([region, head]) => (region === "r" && head >= 2 && head <= 3) || (region === "s" && head === 1)),
          `unexpected notifications ${JSON.stringify(after)}`,
        );
        stop();
        const seen = events.length;
        const last = headReached(storage, "r", 4);
        await commit(storage, nextVersionCommand("r"));
        await last;
        assert.equal(events.length, seen, "an unsubscribed listener hears nothing");
      }));
  });

  describe("persistence", () => {
    it("state, floor, epoch and idempotency records survive closing and reopening", (t) =>
      withHarness(open, async (h) => {
        if (!h.persistent) {
          t.skip("the backend does not persist");
          return;
        }
        await withTombstones(h.storage);
        const keyed = putCommand("r", "c", "k", "v", 0, "persist-1");
        assert.equal(committedVersion((await write1(h.storage, keyed)).outcome), 9);
        await compact(h.storage, "r", { beforeVersion: 6 });
        const before = {
          regions: await h.storage.regions(),
          reset: await changes(h.storage, "r", undefined),
          feed: await changes(h.storage, "r", 5),
        };
        const reopened = await h.reopen();
        assert.deepEqual(await reopened.regions(), before.regions);
        assert.deepEqual(await changes(reopened, "r", undefined), before.reset);
        assert.deepEqual(await changes(reopened, "r", 5), before.feed);
        assert.equal((await changes(reopened, "r", 4)).reset, true, "the floor persisted");
        assert.deepEqual(await write1(reopened, keyed), { outcome: { status: "committed", region: "r", version: 9 }, replayed: true });
        const reused = await write1(reopened, putCommand("r", "c", "k", "other", 0, "persist-1"));
        assert.deepEqual(reused.outcome, { status: "idempotency_key_reused" });
        assert.equal(await commit(reopened, nextVersionCommand("r")), 10);
      }));
  });
}
