/**
 * Storage.write semantics: region counters, conditions, all-or-nothing transactions,
 * group-commit isolation and idempotency records.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { deleteCommand, nextVersionCommand, putCommand, txnCommand } from "../../src/core/commands.js";
import type { WriteCommand } from "../../src/model/write-command.js";
import { changes, commit, committedVersion, type OpenBackend, opsOf, withHarness, write1 } from "./fixture.js";

export function describeWrites(open: OpenBackend): void {
  describe("region counters", () => {
    it("a region never written is version 0, floor 0, epoch empty, and not listed", () =>
      withHarness(open, async ({ storage }) => {
        assert.deepEqual(await storage.region("nowhere"), { region: "nowhere", epoch: "", version: 0, floor: 0 });
        assert.deepEqual(await storage.regions(), []);
        assert.equal(await storage.row("nowhere", "c", "k"), undefined);
        assert.deepEqual(await storage.rows("nowhere", "c", null, 10), []);
      }));

    it("the first write is version 1 and each write takes the next one", () =>
      withHarness(open, async ({ storage }) => {
        assert.equal(await commit(storage, putCommand("r", "c", "a", 1)), 1);
        const { epoch } = await storage.region("r");
        assert.notEqual(epoch, "");
        assert.equal(await commit(storage, putCommand("r", "c", "b", 2)), 2);
        assert.equal(await commit(storage, deleteCommand("r", "c", "a")), 3);
        assert.deepEqual(await storage.region("r"), { region: "r", epoch, version: 3, floor: 0 });
      }));

    it("regions count independently", () =>
      withHarness(open, async ({ storage }) => {
        assert.equal(await commit(storage, putCommand("a", "c", "k", 1)), 1);
        assert.equal(await commit(storage, putCommand("a", "c", "k", 2)), 2);
        assert.equal(await commit(storage, putCommand("b", "c", "k", 3)), 1);
        assert.equal(await commit(storage, nextVersionCommand("c")), 1);
        const listed = (await storage.regions()).map((r) => [r.region, r.version]).sort();
        assert.deepEqual(listed, [
          ["a", 2],
          ["b", 1],
          ["c", 1],
        ]);
        assert.deepEqual(await storage.row("b", "c", "k"), { collection: "c", key: "k", version: 1, valueJson: "3" });
      }));

    it("NextVersion takes a version without changing a row", () =>
      withHarness(open, async ({ storage }) => {
        assert.equal(await commit(storage, nextVersionCommand("r")), 1);
        const region = await storage.region("r");
        assert.equal(region.version, 1);
        assert.notEqual(region.epoch, "", "NextVersion creates the region");
        assert.equal(await commit(storage, putCommand("r", "c", "k", "v")), 2);
        assert.equal(await commit(storage, nextVersionCommand("r")), 3);
        const page = await changes(storage, "r", 0);
        assert.deepEqual(opsOf(page), ["put c/k@2"]);
        assert.equal(page.cursor, 3);
        assert.equal((await changes(storage, "r", 2)).ops.length, 0);
      }));
  });

  describe("conditions", () => {
    it("expect 0 means absent: a put creates, a second one fails with the current row", () =>
      withHarness(open, async ({ storage }) => {
        assert.equal(await commit(storage, putCommand("r", "c", "k", { n: 1 }, 0)), 1);
        const { outcome } = await write1(storage, putCommand("r", "c", "k", { n: 2 }, 0));
        assert.deepEqual(outcome, {
          status: "failed",
          failures: [{ index: 0, collection: "c", key: "k", reason: "mismatch", current: { version: 1, valueJson: '{"n":1}' } }],
        });
        assert.deepEqual(await storage.row("r", "c", "k"), { collection: "c", key: "k", version: 1, valueJson: '{"n":1}' });
      }));

    it("expect N holds only at version N of a live row", () =>
      withHarness(open, async ({ storage }) => {
        await commit(storage, putCommand("r", "c", "k", "a"));
        await commit(storage, nextVersionCommand("r"));
        const stale = await write1(storage, putCommand("r", "c", "k", "b", 2));
        assert.equal(stale.outcome.status, "failed");
        assert.deepEqual(stale.outcome.status === "failed" && stale.outcome.failures[0]?.current, { version: 1, valueJson: '"a"' });
        assert.equal(await commit(storage, putCommand("r", "c", "k", "b", 1)), 3);
        assert.equal(await commit(storage, deleteCommand("r", "c", "k", 3)), 4);
        const onTombstone = await write1(storage, putCommand("r", "c", "k", "c", 4));
        assert.deepEqual(onTombstone.outcome.status === "failed" && onTombstone.outcome.failures, [
          { index: 0, collection: "c", key: "k", reason: "mismatch", current: null },
        ]);
        assert.equal((await storage.region("r")).version, 4);
      }));

    it('"present" holds for a live row only; a tombstone counts as absent', () =>
      withHarness(open, async ({ storage }) => {
        const absent = await write1(storage, putCommand("r", "c", "k", 1, "present"));
        assert.equal(absent.outcome.status, "failed");
        await commit(storage, putCommand("r", "c", "k", 1));
        assert.equal(await commit(storage, putCommand("r", "c", "k", 2, "present")), 2);
        assert.equal(await commit(storage, deleteCommand("r", "c", "k", "present")), 3);
        assert.equal((await write1(storage, deleteCommand("r", "c", "k", "present"))).outcome.status, "failed");
        assert.equal(await commit(storage, putCommand("r", "c", "k", 3, 0)), 4, "expect 0 succeeds over a tombstone");
      }));

    it("a delete without condition needs a live row; the tombstone keeps a version", () =>
      withHarness(open, async ({ storage }) => {
        await commit(storage, putCommand("r", "c", "other", 0));
        const missing = await write1(storage, deleteCommand("r", "c", "k"));
        assert.deepEqual(missing.outcome, {
          status: "failed",
          failures: [{ index: 0, collection: "c", key: "k", reason: "missing", current: null }],
        });
        await commit(storage, putCommand("r", "c", "k", 1));
        assert.equal(await commit(storage, deleteCommand("r", "c", "k")), 3);
        assert.equal(await storage.row("r", "c", "k"), undefined);
        assert.deepEqual(
          (await storage.rows("r", "c", null, 10)).map((r) => r.key),
          ["other"],
        );
        assert.equal((await write1(storage, deleteCommand("r", "c", "k"))).outcome.status, "failed", "deleting twice");
        assert.deepEqual(opsOf(await changes(storage, "r", 1)), ["del c/k@3"]);
      }));
  });

  describe("transactions", () => {
    const txn = (ops: unknown[]) => txnCommand("r", { ops });

    it("all ops of a transaction share one new version", () =>
      withHarness(open, async ({ storage }) => {
        await commit(storage, txn([{ op: "put", collection: "c", key: "gone", value: 0 }]));
        const version = await commit(
          storage,
          txn([
            { op: "put", collection: "c", key: "a", value: 1 },
            { op: "put", collection: "d", key: "b", value: 2, ifVersion: 0 },
            { op: "delete", collection: "c", key: "gone", ifVersion: 1 },
          ]),
        );
        assert.equal(version, 2);
        assert.equal((await storage.region("r")).version, 2);
        assert.deepEqual(opsOf(await changes(storage, "r", 1)), ["put c/a@2", "del c/gone@2", "put d/b@2"]);
      }));

    it("one failing op fails the whole transaction, which reports every failure and changes nothing", () =>
      withHarness(open, async ({ storage }) => {
        await commit(storage, txn([{ op: "put", collection: "c", key: "a", value: 1 }]));
        const { outcome } = await write1(
          storage,
          txn([
            { op: "put", collection: "c", key: "a", value: 2, ifVersion: 7 },
            { op: "put", collection: "c", key: "new", value: 3 },
            { op: "delete", collection: "c", key: "absent" },
          ]),
        );
        assert.deepEqual(outcome, {
          status: "failed",
          failures: [
            { index: 0, collection: "c", key: "a", reason: "mismatch", current: { version: 1, valueJson: "1" } },
            { index: 2, collection: "c", key: "absent", reason: "missing", current: null },
          ],
        });
        assert.equal((await storage.region("r")).version, 1);
        assert.equal(await storage.row("r", "c", "new"), undefined);
        assert.equal((await storage.row("r", "c", "a"))?.valueJson, "1");
        assert.equal(await commit(storage, nextVersionCommand("r")), 2, "the failure consumed no version");
      }));

    it("a failed command does not create its region", () =>
      withHarness(open, async ({ storage }) => {
        for (const command of [
          putCommand("fresh", "c", "k", 1, 3),
          putCommand("fresh", "c", "k", 1, "present"),
          deleteCommand("fresh", "c", "k"),
          txnCommand("fresh", { ops: [{ op: "delete", collection: "c", key: "k", ifVersion: 0 }] }),
        ]) {
          assert.equal((await write1(storage, command)).outcome.status, "failed");
        }
        assert.deepEqual(await storage.region("fresh"), { region: "fresh", epoch: "", version: 0, floor: 0 });
        assert.deepEqual(await storage.regions(), []);
        assert.equal(await commit(storage, putCommand("fresh", "c", "k", 1)), 1);
      }));
  });

  describe("group commit", () => {
    it("a failed command in a batch fails alone; its neighbours commit with versions of their own", () =>
      withHarness(open, async ({ storage }) => {
        await commit(storage, putCommand("r", "c", "taken", 0));
        const results = await storage.write([
          putCommand("r", "c", "a", 1),
          putCommand("r", "c", "taken", 1, 0),
          putCommand("r", "c", "b", 2),
          nextVersionCommand("s"),
          deleteCommand("r", "c", "nothing"),
          putCommand("r", "c", "a", 3, 2),
        ]);
        const summary = results.map((r) =>
          r instanceof Error ? r.message : r.outcome.status === "committed" ? r.outcome.version : "failed",
        );
        assert.deepEqual(summary, [2, "failed", 3, 1, "failed", 4]);
        assert.equal((await storage.region("r")).version, 4);
        assert.deepEqual(opsOf(await changes(storage, "r", 1)), ["put c/b@3", "put c/a@4"]);
        assert.equal((await storage.row("r", "c", "taken"))?.version, 1);
      }));

    it("the same Idempotency-Key twice in one batch executes once", () =>
      withHarness(open, async ({ storage }) => {
        const command = putCommand("r", "c", "k", "v", undefined, "key-1");
        const [first, second] = await storage.write([command, command]);
        assert.ok(first && !(first instanceof Error) && second && !(second instanceof Error));
        assert.deepEqual(first, { outcome: { status: "committed", region: "r", version: 1 }, replayed: false });
        assert.deepEqual(second, { outcome: first.outcome, replayed: true });
        assert.equal((await storage.region("r")).version, 1);
      }));

    it("a key reused for another request in the same batch is refused and changes nothing", () =>
      withHarness(open, async ({ storage }) => {
        const [first, second] = await storage.write([
          putCommand("r", "c", "k", "v", undefined, "key-1"),
          putCommand("r", "c", "k", "other", undefined, "key-1"),
        ]);
        assert.ok(first && !(first instanceof Error) && second && !(second instanceof Error));
        assert.equal(committedVersion(first.outcome), 1);
        assert.deepEqual(second.outcome, { status: "idempotency_key_reused" });
        assert.equal((await storage.row("r", "c", "k"))?.valueJson, '"v"');
        assert.equal((await storage.region("r")).version, 1);
      }));
  });

  describe("idempotency", () => {
    it("a retry returns the first outcome, even after the state moved on", () =>
      withHarness(open, async ({ storage }) => {
        const put = putCommand("r", "c", "k", "v", 0, "put-1");
        assert.equal(committedVersion((await write1(storage, put)).outcome), 1);
        await commit(storage, putCommand("r", "c", "k", "w"));
        assert.deepEqual(await write1(storage, put), { outcome: { status: "committed", region: "r", version: 1 }, replayed: true });
        const next = nextVersionCommand("r", "nv-1");
        assert.equal(committedVersion((await write1(storage, next)).outcome), 3);
        assert.deepEqual(await write1(storage, next), { outcome: { status: "committed", region: "r", version: 3 }, replayed: true });
        assert.equal((await storage.region("r")).version, 3);
        assert.equal((await storage.row("r", "c", "k"))?.valueJson, '"w"');
      }));

    it("a failed outcome is replayed as failed", () =>
      withHarness(open, async ({ storage }) => {
        const conditional = putCommand("r", "c", "k", "v", "present", "cond-1");
        const first = await write1(storage, conditional);
        assert.equal(first.outcome.status, "failed");
        await commit(storage, putCommand("r", "c", "k", "exists now"));
        assert.deepEqual(await write1(storage, conditional), { outcome: first.outcome, replayed: true });
        assert.equal((await storage.region("r")).version, 1);
      }));

    it("the same key with another request is refused and executes nothing", () =>
      withHarness(open, async ({ storage }) => {
        await write1(storage, putCommand("r", "c", "k", 1, undefined, "k1"));
        const reused: WriteCommand[] = [
          putCommand("r", "c", "k", 2, undefined, "k1"),
          putCommand("other", "c", "k", 1, undefined, "k1"),
          deleteCommand("r", "c", "k", undefined, "k1"),
          nextVersionCommand("r", "k1"),
          txnCommand("r", { ops: [{ op: "put", collection: "c", key: "k", value: 1 }] }, "k1"),
        ];
        for (const command of reused) {
          assert.deepEqual(await write1(storage, command), { outcome: { status: "idempotency_key_reused" }, replayed: false });
        }
        assert.equal((await storage.region("r")).version, 1);
        assert.equal((await storage.region("other")).version, 0);
      }));

    it("keys are independent of each other", () =>
      withHarness(open, async ({ storage }) => {
        assert.equal(committedVersion((await write1(storage, putCommand("r", "c", "k", 1, undefined, "a"))).outcome), 1);
        assert.equal(committedVersion((await write1(storage, putCommand("r", "c", "k", 1, undefined, "b"))).outcome), 2);
      }));
  });
}
