/** The PostgreSQL backend's semantics, through the Storage interface, one schema per file. */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { compactCommand, deleteCommand, nextVersionCommand, putCommand, txnCommand } from "../../src/core/commands.js";
import type { WriteCommand } from "../../src/model/write-command.js";
import type { PostgresStorage } from "../../src/storage/postgres/postgres-storage.js";
import { ok, openThrowawayPg, SKIP_POSTGRES, versionOf } from "./pg-env.js";

describe("PostgreSQL storage", { skip: SKIP_POSTGRES }, () => {
  let now = 1_000_000;
  let storage: PostgresStorage;
  const one = async (command: WriteCommand) => (await storage.write([command]))[0];

  before(async () => {
    // Its schema is random and dropped on close.
    storage = await openThrowawayPg({ now: () => now });
  });
  after(async () => {
    await storage?.close();
  });

  it("reports a region never written as version 0, floor 0, epoch empty", async () => {
    assert.deepEqual(await storage.region("never"), { region: "never", epoch: "", version: 0, floor: 0 });
    assert.equal((await storage.regions()).length, 0);
  });

  it("gives each region its own counter starting at 1, one version per transaction", async () => {
    assert.equal(versionOf(await one(putCommand("a", "c", "k1", 1))), 1);
    assert.equal(versionOf(await one(putCommand("a", "c", "k2", 2))), 2);
    assert.equal(versionOf(await one(nextVersionCommand("b"))), 1);
    const txn = txnCommand("a", {
      ops: [
        { op: "put", collection: "c", key: "k3", value: 3 },
        { op: "put", collection: "d", key: "k1", value: "x" },
      ],
    });
    assert.equal(versionOf(await one(txn)), 3);
    assert.equal((await storage.row("a", "c", "k3"))?.version, 3);
    assert.equal((await storage.row("a", "d", "k1"))?.version, 3);
    const regions = await storage.regions();
    assert.deepEqual(
      regions.map((r) => [r.region, r.version]),
      [
        ["a", 3],
        ["b", 1],
      ],
    );
    assert.ok(regions.every((r) => r.epoch.length > 0));
  });

  it("fails conditions without taking a version or creating the region", async () => {
    const result = ok(await one(putCommand("cond", "c", "k", 1, 5)));
    assert.equal(result.outcome.status, "failed");
    const present = ok(await one(putCommand("cond", "c", "k", 1, "present")));
    assert.equal(present.outcome.status, "failed");
    assert.deepEqual(await storage.region("cond"), { region: "cond", epoch: "", version: 0, floor: 0 });
    assert.equal(versionOf(await one(putCommand("cond", "c", "k", 1, 0))), 1);
    const mismatch = ok(await one(putCommand("cond", "c", "k", 2, 0)));
    assert.deepEqual(mismatch.outcome, {
      status: "failed",
      failures: [{ index: 0, collection: "c", key: "k", reason: "mismatch", current: { version: 1, valueJson: "1" } }],
    });
    assert.equal(versionOf(await one(putCommand("cond", "c", "k", 2, 1))), 2);
    assert.equal(versionOf(await one(putCommand("cond", "c", "k", 3, "present"))), 3);
    assert.equal((await storage.region("cond")).version, 3);
  });

  it("keeps a transaction all or nothing", async () => {
    await one(putCommand("tx", "c", "x", 1));
    const txn = txnCommand("tx", {
      ops: [
        { op: "put", collection: "c", key: "y", value: 1 },
        { op: "put", collection: "c", key: "x", value: 2, ifVersion: 7 },
      ],
    });
    const result = ok(await one(txn));
    assert.equal(result.outcome.status, "failed");
    assert.equal(await storage.row("tx", "c", "y"), undefined);
    assert.equal((await storage.region("tx")).version, 1);
  });

  it("soft-deletes with tombstones and refuses to delete what is absent", async () => {
    await one(putCommand("del", "c", "k", { v: 1 }));
    assert.equal(versionOf(await one(deleteCommand("del", "c", "k"))), 2);
    assert.equal(await storage.row("del", "c", "k"), undefined);
    const again = ok(await one(deleteCommand("del", "c", "k")));
    assert.equal(again.outcome.status, "failed");
    assert.equal(again.outcome.status === "failed" && again.outcome.failures[0]?.reason, "missing");
    const page = await storage.changes({ region: "del", since: 1, limit: 10 });
    assert.deepEqual(page.ops, [{ op: "del", collection: "c", key: "k", version: 2 }]);
  });

  it("lists live rows in bytewise key order, like SQLite", async () => {
    for (const key of ["b", "B", "a", "_", "0", "a.b", "a:b"]) await one(putCommand("list", "c", key, key));
    await one(deleteCommand("list", "c", "0"));
    const keys = (await storage.rows("list", "c", null, 100)).map((r) => r.key);
    assert.deepEqual(keys, ["B", "_", "a", "a.b", "a:b", "b"]);
    assert.deepEqual(
      (await storage.rows("list", "c", "a", 2)).map((r) => r.key),
      ["a.b", "a:b"],
    );
  });

  it("cuts feed pages without splitting a version, and sends a large version whole", async () => {
    await one(putCommand("feed", "c", "a", 1));
    await one(
      txnCommand("feed", {
        ops: [
          { op: "put", collection: "c", key: "b", value: 2 },
          { op: "put", collection: "c", key: "c", value: 3 },
          { op: "put", collection: "c", key: "d", value: 4 },
        ],
      }),
    );
    await one(putCommand("feed", "c", "e", 5));
    const first = await storage.changes({ region: "feed", since: 0, limit: 2 });
    assert.deepEqual(
      first.ops.map((op) => op.op !== "clear" && [op.key, op.version]),
      [["a", 1]],
    );
    assert.deepEqual([first.cursor, first.head, first.more, first.reset], [1, 3, true, false]);
    const whole = await storage.changes({ region: "feed", since: 1, limit: 2 });
    assert.deepEqual(
      whole.ops.map((op) => op.op !== "clear" && op.key),
      ["b", "c", "d"],
    );
    assert.deepEqual([whole.cursor, whole.more], [2, true]);
    const last = await storage.changes({ region: "feed", since: 2, limit: 2 });
    assert.deepEqual([last.ops.length, last.cursor, last.more], [1, 3, false]);
    const idle = await storage.changes({ region: "feed", since: 3, limit: 2 });
    assert.deepEqual([idle.ops.length, idle.cursor, idle.head, idle.more, idle.reset], [0, 3, 3, false, false]);
  });

  it("resets a missing, future or foreign cursor with clear and live rows only", async () => {
    await one(putCommand("reset", "c", "a", 1));
    await one(putCommand("reset", "c", "b", 2));
    await one(deleteCommand("reset", "c", "a"));
    const fresh = await storage.changes({ region: "reset", limit: 10 });
    assert.equal(fresh.reset, true);
    assert.deepEqual(fresh.ops, [{ op: "clear" }, { op: "put", collection: "c", key: "b", version: 2, valueJson: "2" }]);
    assert.deepEqual([fresh.cursor, fresh.head, fresh.more], [3, 3, false]);
    assert.equal((await storage.changes({ region: "reset", since: 4, limit: 10 })).reset, true);
    assert.equal((await storage.changes({ region: "reset", since: 1, epoch: "other", limit: 10 })).reset, true);
    assert.equal((await storage.changes({ region: "reset", since: 1, epoch: fresh.epoch, limit: 10 })).reset, false);
    await one(putCommand("reset", "c", "c", 3));
    const pagedReset = await storage.changes({ region: "reset", limit: 1 });
    assert.deepEqual([pagedReset.reset, pagedReset.ops.length, pagedReset.cursor, pagedReset.more], [true, 2, 2, true]);
    const rest = await storage.changes({ region: "reset", since: 2, epoch: pagedReset.epoch, limit: 1 });
    assert.deepEqual([rest.reset, rest.ops.map((op) => op.op), rest.cursor, rest.more], [false, ["del"], 3, true]);
    const missing = await storage.changes({ region: "nothing-here", since: 0, limit: 10 });
    assert.deepEqual([missing.reset, missing.ops.length, missing.cursor, missing.head], [false, 0, 0, 0]);
    const ahead = await storage.changes({ region: "nothing-here", since: 5, limit: 10 });
    assert.deepEqual([ahead.reset, ahead.ops], [true, [{ op: "clear" }]]);
  });

  it("compacts tombstones, raises the floor and resets cursors below it", async () => {
    await one(putCommand("compact", "c", "a", 1));
    await one(putCommand("compact", "c", "b", 1));
    await one(deleteCommand("compact", "c", "a"));
    await one(putCommand("compact", "c", "c", 1));
    const result = ok(await one(compactCommand("compact", { retainVersions: 1 })));
    assert.deepEqual(result.outcome, { status: "compacted", region: "compact", floor: 3, purged: 1 });
    assert.equal((await storage.region("compact")).floor, 3);
    assert.equal((await storage.changes({ region: "compact", since: 2, limit: 10 })).reset, true);
    assert.equal((await storage.changes({ region: "compact", since: 3, limit: 10 })).reset, false);
    const none = ok(await one(compactCommand("no-such-region", { beforeVersion: 5 })));
    assert.deepEqual(none.outcome, { status: "compacted", region: "no-such-region", floor: 0, purged: 0 });
    assert.deepEqual(await storage.region("no-such-region"), { region: "no-such-region", epoch: "", version: 0, floor: 0 });
  });

  it("replays an Idempotency-Key, refuses it for another request, and forgets it after the sweep", async () => {
    const first = ok(await one(putCommand("idem", "c", "k", 1, undefined, "key-1")));
    const again = ok(await one(putCommand("idem", "c", "k", 1, undefined, "key-1")));
    assert.deepEqual(again, { outcome: first.outcome, replayed: true });
    const other = ok(await one(putCommand("idem", "c", "k", 2, undefined, "key-1")));
    assert.deepEqual(other, { outcome: { status: "idempotency_key_reused" }, replayed: false });
    const failed = ok(await one(putCommand("idem", "c", "k", 3, 99, "key-2")));
    assert.equal(failed.outcome.status, "failed");
    await one(putCommand("idem", "c", "k", 4));
    assert.deepEqual(ok(await one(putCommand("idem", "c", "k", 3, 99, "key-2"))), { outcome: failed.outcome, replayed: true });
    assert.equal((await storage.region("idem")).version, 2);
    now += 10_000;
    assert.equal(await storage.sweepIdempotency(now - 5_000), 2);
    assert.equal(versionOf(await one(putCommand("idem", "c", "k", 1, undefined, "key-1"))), 3);
  });

  it("replays a key used twice in one batch, whatever the regions' order", async () => {
    const results = await storage.write([
      putCommand("zz-batch", "c", "k", 1, undefined, "batch-key"),
      putCommand("aa-batch", "c", "k", 1),
      putCommand("zz-batch", "c", "k", 1, undefined, "batch-key"),
      putCommand("aa-batch", "c", "k", 9, undefined, "batch-key"),
    ]);
    assert.deepEqual(ok(results[0]).outcome, { status: "committed", region: "zz-batch", version: 1 });
    assert.deepEqual(ok(results[2]), { outcome: ok(results[0]).outcome, replayed: true });
    assert.deepEqual(ok(results[3]), { outcome: { status: "idempotency_key_reused" }, replayed: false });
    assert.equal((await storage.region("zz-batch")).version, 1);
  });

  it("fails only the broken command of a batch; its neighbours commit and it takes no version", async () => {
    const broken: WriteCommand = {
      kind: "txn",
      form: "put",
      region: "iso",
      ops: [{ op: "put", collection: "c", key: "bad", valueJson: '"\u0000"' }],
    };
    const results = await storage.write([putCommand("iso", "c", "a", 1, undefined, "iso-a"), broken, putCommand("iso", "c", "b", 2)]);
    assert.equal(versionOf(results[0]), 1);
    assert.ok(results[1] instanceof Error);
    assert.equal(versionOf(results[2]), 2);
    assert.equal((await storage.region("iso")).version, 2);
    assert.equal(await storage.row("iso", "c", "bad"), undefined);
    assert.deepEqual(ok(await one(putCommand("iso", "c", "a", 1, undefined, "iso-a"))).replayed, true);
  });

  it("reports per region the newest tombstone older than a time", async () => {
    now = 2_000_000;
    await one(putCommand("tomb", "c", "a", 1));
    await one(deleteCommand("tomb", "c", "a"));
    now = 3_000_000;
    await one(putCommand("tomb", "c", "b", 1));
    await one(deleteCommand("tomb", "c", "b"));
    const horizons = await storage.tombstoneHorizons(2_500_000);
    assert.deepEqual(
      horizons.filter((h) => h.region === "tomb"),
      [{ region: "tomb", version: 2 }],
    );
  });

  it("calls commit listeners with the new head of each region a batch moved", async () => {
    const seen: Array<[string, number]> = [];
    const stop = storage.onCommit((region, head) => seen.push([region, head]));
    await storage.write([putCommand("listen-a", "c", "k", 1), putCommand("listen-a", "c", "k", 2), putCommand("listen-b", "c", "k", 1)]);
    stop();
    assert.deepEqual(seen.filter(([r]) => r.startsWith("listen")).slice(0, 2), [
      ["listen-a", 2],
      ["listen-b", 1],
    ]);
  });
});
