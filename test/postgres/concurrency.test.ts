/** Two PostgreSQL storages on one schema: what two API nodes do to each other. */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { nextVersionCommand, putCommand } from "../../src/core/commands.js";
import type { PostgresStorage } from "../../src/storage/postgres/postgres-storage.js";
import { adminQuery, dropSchema, ok, openPg, randomSchema, SKIP_POSTGRES, versionOf } from "./pg-env.js";

/** Resolves when `predicate` holds, checked on each call of the returned `poke`; rejects after `ms`. */
function eventually(predicate: () => boolean, ms: number, what: string): { poke: () => void; done: Promise<void> } {
  let poke = () => {};
  const done = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms);
    poke = () => {
      if (!predicate()) return;
      clearTimeout(timer);
      resolve();
    };
  });
  poke();
  return { poke, done };
}

describe("two PostgreSQL storages on one schema", { skip: SKIP_POSTGRES }, () => {
  const schema = randomSchema();
  let a: PostgresStorage;
  let b: PostgresStorage;

  before(async () => {
    // Opened together on a fresh schema: the migration runs once, under its advisory lock.
    [a, b] = await Promise.all([openPg(schema, { listenRetryMs: 1000 }), openPg(schema, { listenRetryMs: 1000 })]);
  });
  after(async () => {
    await Promise.all([a?.close(), b?.close()]);
    await dropSchema(schema);
  });

  it("hand out every version of a region exactly once, in a gapless sequence", async () => {
    const writes = Array.from({ length: 80 }, (_, i) => (i % 2 === 0 ? a : b).write([putCommand("shared", "c", `k${i}`, i)]));
    const versions = (await Promise.all(writes)).map((results) => versionOf(results[0]));
    assert.deepEqual(
      [...versions].sort((x, y) => x - y),
      Array.from({ length: 80 }, (_, i) => i + 1),
    );
    const page = await a.changes({ region: "shared", since: 0, limit: 1000 });
    assert.equal(page.ops.length, 80);
    assert.equal(page.head, 80);
  });

  it("lose no update under compare-and-set from both sides", async () => {
    await a.write([putCommand("cas", "c", "counter", 0)]);
    const increment = async (storage: PostgresStorage, times: number) => {
      for (let done = 0; done < times; ) {
        const row = await storage.row("cas", "c", "counter");
        assert.ok(row);
        const [result] = await storage.write([putCommand("cas", "c", "counter", Number(row.valueJson) + 1, row.version)]);
        if (ok(result).outcome.status === "committed") done++;
      }
    };
    await Promise.all([increment(a, 15), increment(a, 15), increment(b, 15), increment(b, 15)]);
    assert.equal((await b.row("cas", "c", "counter"))?.valueJson, "60");
  });

  it("never deadlock on batches that touch regions in opposite orders", async () => {
    const regions = ["r1", "r2", "r3", "r4"];
    const before = a.stats.retriedBatches + b.stats.retriedBatches;
    const rounds = Array.from({ length: 25 }, (_, i) => [
      a.write(regions.map((r) => putCommand(r, "c", `a${i}`, i))),
      b.write([...regions].reverse().map((r) => putCommand(r, "c", `b${i}`, i))),
    ]).flat();
    for (const results of await Promise.all(rounds)) for (const result of results) versionOf(result);
    assert.equal(a.stats.retriedBatches + b.stats.retriedBatches, before, "a batch failed (deadlock?) and was retried");
    for (const r of regions) assert.equal((await a.region(r)).version, 50);
  });

  it("execute a request sent to both at once with one Idempotency-Key only once", async () => {
    const keys = Array.from({ length: 30 }, (_, i) => `dup-${i}`);
    const pairs = await Promise.all(
      keys.map((key) => Promise.all([a.write([nextVersionCommand("dup", key)]), b.write([nextVersionCommand("dup", key)])])),
    );
    for (const [[first], [second]] of pairs) {
      assert.deepEqual(ok(first).outcome, ok(second).outcome);
      assert.equal(Number(ok(first).replayed) + Number(ok(second).replayed), 1);
    }
    assert.equal((await a.region("dup")).version, keys.length);
  });

  it("hear each other's commits through LISTEN/NOTIFY", async () => {
    const seen = new Map<string, number>();
    const wait = eventually(() => (seen.get("heard") ?? 0) >= 3, 5_000, "a to hear b's commit");
    const stop = a.onCommit((region, head) => {
      seen.set(region, Math.max(head, seen.get(region) ?? 0));
      wait.poke();
    });
    try {
      await b.write([nextVersionCommand("heard"), nextVersionCommand("heard"), nextVersionCommand("heard")]);
      await wait.done;
    } finally {
      stop();
    }
  });

  it("re-listen after losing the connection, and publish the heads committed meanwhile", async () => {
    const pid = a.listener.processId;
    assert.ok(pid);
    const seen = new Map<string, number>();
    const stop = a.onCommit((region, head) => {
      seen.set(region, Math.max(head, seen.get(region) ?? 0));
      wait.poke();
    });
    const wait = eventually(() => (seen.get("gap") ?? 0) >= 1, 5_000, "a to learn of the commit made while it was not listening");
    try {
      await adminQuery("SELECT pg_terminate_backend($1)", [pid]);
      await a.listener.until((state) => state === "lost");
      // Committed while a has no LISTEN connection (it waits 1 s before reconnecting): its NOTIFY never reaches a.
      await b.write([nextVersionCommand("gap")]);
      await wait.done;
      assert.equal(a.listener.current, "listening");
      assert.notEqual(a.listener.processId, pid);
    } finally {
      stop();
    }
  });
});

describe("commit notifications sent after the commit", { skip: SKIP_POSTGRES }, () => {
  const schema = randomSchema();
  let a: PostgresStorage;
  let b: PostgresStorage;

  before(async () => {
    a = await openPg(schema, { notify: "after-commit" });
    b = await openPg(schema, { notify: "after-commit" });
  });
  after(async () => {
    await Promise.all([a?.close(), b?.close()]);
    await dropSchema(schema);
  });

  it("reach the other node, with the head the batch committed", async () => {
    const seen: number[] = [];
    const wait = eventually(() => seen.includes(2), 5_000, "a to hear b's commit");
    const stop = a.onCommit((region, head) => {
      if (region === "after") seen.push(head);
      wait.poke();
    });
    try {
      await b.write([nextVersionCommand("after"), nextVersionCommand("after")]);
      await wait.done;
      assert.deepEqual(seen, [2]);
    } finally {
      stop();
    }
  });
});
