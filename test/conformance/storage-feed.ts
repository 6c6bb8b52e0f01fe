/**
 * Storage.changes: page order, cursors, never splitting a version, and reset pages
 * (no cursor, stale, ahead of head, foreign epoch) with their pagination.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { deleteCommand, nextVersionCommand, putCommand, txnCommand } from "../../src/core/commands.js";
import type { RawPage } from "../../src/model/raw-page.js";
import type { Storage } from "../../src/storage/storage.js";
import { cellId, entries, follow, type State } from "../support/replica.js";
import { changes, commit, type OpenBackend, opsOf, pageReader, withHarness } from "./fixture.js";

/** Versions 1..7 of region "r": overwrites, a delete, a three-row version and an empty one. */
async function history(storage: Storage): Promise<void> {
  await commit(storage, putCommand("r", "c", "a", 1)); // 1
  await commit(storage, putCommand("r", "c", "b", 2)); // 2
  await commit(
    storage,
    txnCommand("r", {
      ops: [
        { op: "put", collection: "d", key: "x", value: 3 },
        { op: "put", collection: "c", key: "z", value: 3 },
        { op: "put", collection: "c", key: "y", value: 3 },
      ],
    }),
  ); // 3
  await commit(storage, putCommand("r", "c", "a", 4)); // 4
  await commit(storage, deleteCommand("r", "c", "b")); // 5
  await commit(storage, nextVersionCommand("r")); // 6
  await commit(storage, putCommand("r", "c", "y", 7)); // 7
}

const FULL_FEED = ["put c/z@3", "put d/x@3", "put c/a@4", "del c/b@5", "put c/y@7"];
const LIVE: State = new Map([
  [cellId("c", "a"), { version: 4, valueJson: "4" }],
  [cellId("c", "y"), { version: 7, valueJson: "7" }],
  [cellId("c", "z"), { version: 3, valueJson: "3" }],
  [cellId("d", "x"), { version: 3, valueJson: "3" }],
]);

function versionsOf(page: RawPage): number[] {
  return page.ops.flatMap((op) => (op.op === "clear" ? [] : [op.version]));
}

export function describeFeed(open: OpenBackend): void {
  describe("changes", () => {
    it("lists the latest change of each row after the cursor, in (version, collection, key) order", () =>
      withHarness(open, async ({ storage }) => {
        await history(storage);
        const { epoch } = await storage.region("r");
        const page = await changes(storage, "r", 0);
        assert.deepEqual(
          { ...page, ops: opsOf(page) },
          { region: "r", epoch, reset: false, ops: FULL_FEED, cursor: 7, head: 7, more: false },
        );
        const put = page.ops.find((op) => op.op === "put" && op.key === "a");
        assert.deepEqual(put, { op: "put", collection: "c", key: "a", version: 4, valueJson: "4" });
        assert.deepEqual(opsOf(await changes(storage, "r", 4)), ["del c/b@5", "put c/y@7"]);
        assert.deepEqual(opsOf(await changes(storage, "r", 5)), ["put c/y@7"]);
      }));

    it("a cursor at head gets an empty page at head", () =>
      withHarness(open, async ({ storage }) => {
        await history(storage);
        assert.deepEqual(
          { ...(await changes(storage, "r", 7)), epoch: "" },
          {
            region: "r",
            epoch: "",
            reset: false,
            ops: [],
            cursor: 7,
            head: 7,
            more: false,
          },
        );
        const afterEmptyVersion = await changes(storage, "r", 6);
        assert.deepEqual([opsOf(afterEmptyVersion), afterEmptyVersion.cursor], [["put c/y@7"], 7]);
      }));

    it("a never-written region at cursor 0 is an empty incremental page", () =>
      withHarness(open, async ({ storage }) => {
        assert.deepEqual(await changes(storage, "none", 0), {
          region: "none",
          epoch: "",
          reset: false,
          ops: [],
          cursor: 0,
          head: 0,
          more: false,
        });
      }));

    it("pages cut at a version boundary, set cursor and more, and a version larger than the limit comes whole", () =>
      withHarness(open, async ({ storage }) => {
        await history(storage);
        const one = await changes(storage, "r", 0, 1);
        assert.deepEqual([opsOf(one), one.cursor, one.more, one.head], [["put c/z@3", "put d/x@3"], 3, true, 7]);
        const three = await changes(storage, "r", 0, 3);
        assert.deepEqual([opsOf(three), three.cursor, three.more], [["put c/z@3", "put d/x@3", "put c/a@4"], 4, true]);
        const two = await changes(storage, "r", 3, 2);
        assert.deepEqual([opsOf(two), two.cursor, two.more], [["put c/a@4", "del c/b@5"], 5, true]);
        const last = await changes(storage, "r", 5, 1);
        assert.deepEqual([opsOf(last), last.cursor, last.more], [["put c/y@7"], 7, false]);
      }));

    it("following pages of any limit from any cursor yields the feed in order, never splitting a version", () =>
      withHarness(open, async ({ storage }) => {
        await history(storage);
        for (let since = 0; since <= 7; since++) {
          const whole = await changes(storage, "r", since, 1000);
          for (let limit = 1; limit <= 6; limit++) {
            const { pages, cursor } = await follow(pageReader(storage, "r"), { state: new Map(), since }, limit);
            assert.equal(cursor, 7);
            assert.deepEqual(pages.flatMap(opsOf), opsOf(whole), `since ${since}, limit ${limit}`);
            let previous: number | undefined;
            for (const page of pages) {
              const versions = versionsOf(page);
              const last = versions[versions.length - 1];
              if (page.more) assert.equal(page.cursor, last, "a page with more ends at its last version");
              if (versions.length > limit) assert.equal(new Set(versions).size, 1, "only a single version may exceed the limit");
              if (previous !== undefined && versions[0] !== undefined) assert.ok(versions[0] > previous, "a version split across pages");
              previous = last ?? previous;
            }
          }
        }
      }));
  });

  describe("reset pages", () => {
    it("without a cursor: clear, then live rows only in version order", () =>
      withHarness(open, async ({ storage }) => {
        await history(storage);
        const { epoch } = await storage.region("r");
        const page = await changes(storage, "r", undefined);
        assert.deepEqual(
          { ...page, ops: opsOf(page) },
          {
            region: "r",
            epoch,
            reset: true,
            ops: ["clear", "put c/z@3", "put d/x@3", "put c/a@4", "put c/y@7"],
            cursor: 7,
            head: 7,
            more: false,
            // How many live rows the whole reset holds, counted on the page's snapshot.
            resetRows: 4,
          },
        );
      }));

    it("a never-written region resets to an empty state at 0", () =>
      withHarness(open, async ({ storage }) => {
        assert.deepEqual(await changes(storage, "none", undefined), {
          region: "none",
          epoch: "",
          reset: true,
          ops: [{ op: "clear" }],
          cursor: 0,
          head: 0,
          more: false,
        });
      }));

    it("reset pages paginate, and following them yields exactly the live state", () =>
      withHarness(open, async ({ storage }) => {
        await history(storage);
        const first = await changes(storage, "r", undefined, 1);
        assert.deepEqual([opsOf(first), first.reset, first.cursor, first.more], [["clear", "put c/z@3", "put d/x@3"], true, 3, true]);
        for (let limit = 1; limit <= 5; limit++) {
          const { state, cursor, pages } = await follow(pageReader(storage, "r"), { state: new Map() }, limit);
          assert.deepEqual(entries(state), entries(LIVE), `limit ${limit}`);
          assert.equal(cursor, 7);
          assert.equal(pages.filter((p) => p.reset).length, 1, "only the first page is a reset");
        }
      }));

    it("a cursor ahead of head, or from another epoch, is reset; the same epoch or none is served", () =>
      withHarness(open, async ({ storage }) => {
        await history(storage);
        const { epoch } = await storage.region("r");
        assert.equal((await changes(storage, "r", 8)).reset, true, "ahead of head");
        assert.equal((await changes(storage, "r", 3, 1000, "another-epoch")).reset, true, "foreign epoch");
        assert.equal((await changes(storage, "r", 3, 1000, epoch)).reset, false);
        assert.equal((await changes(storage, "r", 3, 1000, "")).reset, false);
        assert.equal((await changes(storage, "none", 1)).reset, true, "any cursor above 0 of a never-written region");
        assert.equal((await changes(storage, "none", 0, 1000, "gone")).reset, true, "an epoch the region does not have");
        const ahead = await follow(pageReader(storage, "r"), { state: new Map([["junk/x", { version: 9, valueJson: "0" }]]), since: 9 }, 2);
        assert.deepEqual(entries(ahead.state), entries(LIVE), "a reset clears what the reader held");
      }));
  });
}
