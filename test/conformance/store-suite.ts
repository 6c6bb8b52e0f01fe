/**
 * The same backend behind VersoStore: contract results and typed errors, group commit
 * of concurrent calls, exactly-once retries, the feed with long-polls, compaction.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { internalsOf } from "../../src/core/store-internals.js";
import type { WriteCommand } from "../../src/model/write-command.js";
import { IdempotencyKeyReusedError, NotFoundError, VersionMismatchError } from "../../src/protocol/errors.js";
import type { Storage } from "../../src/storage/storage.js";
import { cellId, entries, follow, type State } from "../support/replica.js";
import { type OpenBackend, withHarness } from "./fixture.js";

/** Delegates to a storage and records the size of every batch handed to it. */
function batchSpy(storage: Storage, sizes: number[]): Storage {
  return {
    backend: storage.backend,
    write: (batch: readonly WriteCommand[]) => {
      sizes.push(batch.length);
      return storage.write(batch);
    },
    region: (name) => storage.region(name),
    regions: () => storage.regions(),
    row: (region, collection, key) => storage.row(region, collection, key),
    rows: (region, collection, after, limit) => storage.rows(region, collection, after, limit),
    changes: (query) => storage.changes(query),
    replicacheClients: (region, group, after, upTo) => storage.replicacheClients(region, group, after, upTo),
    tombstoneHorizons: (before) => storage.tombstoneHorizons(before),
    sweepIdempotency: (before) => storage.sweepIdempotency(before),
    onCommit: (listener) => storage.onCommit(listener),
    schemas: () => storage.schemas(),
    close: () => storage.close(),
  };
}

export function describeStore(open: OpenBackend): void {
  describe("VersoStore", () => {
    it("answers with the contract's results", () =>
      withHarness(open, async (h) => {
        const store = h.verso();
        assert.deepEqual(await store.getVersion("r"), { region: "r", epoch: "", version: 0, floor: 0 });
        assert.deepEqual(await store.put("r", "c", "k", { a: [1] }), { region: "r", collection: "c", key: "k", version: 1 });
        assert.deepEqual(await store.get("r", "c", "k"), { key: "k", version: 1, value: { a: [1] } });
        assert.deepEqual(await store.nextVersion("r"), { region: "r", version: 2 });
        assert.deepEqual(await store.transact("r", [{ op: "put", collection: "c", key: "j", value: null, ifVersion: 0 }]), { version: 3 });
        assert.deepEqual(await store.list("r", "c", { limit: 1 }), { rows: [{ key: "j", version: 3, value: null }], next: "j" });
        assert.deepEqual(await store.list("r", "c", { after: "j" }), { rows: [{ key: "k", version: 1, value: { a: [1] } }], next: null });
        assert.deepEqual(await store.delete("r", "c", "k", { ifVersion: 1 }), { version: 4 });
        await assert.rejects(store.get("r", "c", "k"), NotFoundError);
        const region = await store.getVersion("r");
        assert.equal(region.version, 4);
        assert.deepEqual(await store.regions(), [region]);
      }));

    it("turns failed conditions into typed errors that carry the current row", () =>
      withHarness(open, async (h) => {
        const store = h.verso();
        await store.put("r", "c", "k", "v");
        await assert.rejects(store.put("r", "c", "k", "w", { ifVersion: 0 }), (error: unknown) => {
          assert.ok(error instanceof VersionMismatchError);
          assert.deepEqual(error.extra, { current: { version: 1, value: "v" } });
          return true;
        });
        await assert.rejects(store.put("r", "c", "new", "w", { ifVersion: "present" }), (error: unknown) => {
          assert.ok(error instanceof VersionMismatchError);
          assert.deepEqual(error.extra, { current: null });
          return true;
        });
        await assert.rejects(store.delete("r", "c", "absent"), NotFoundError);
        await assert.rejects(
          store.transact("r", [
            { op: "put", collection: "c", key: "x", value: 1 },
            { op: "delete", collection: "c", key: "k", ifVersion: 9 },
          ]),
          (error: unknown) => {
            assert.ok(error instanceof VersionMismatchError);
            assert.deepEqual(error.extra, { failures: [{ index: 1, collection: "c", key: "k", current: { version: 1, value: "v" } }] });
            return true;
          },
        );
        assert.equal((await store.getVersion("r")).version, 1, "no failure took a version");
        await assert.rejects(store.get("r", "c", "x"), NotFoundError);
      }));

    it("commits concurrent calls as one batch in which each keeps its own version and outcome", () =>
      withHarness(open, async (h) => {
        const sizes: number[] = [];
        const store = h.verso((s) => batchSpy(s, sizes));
        await store.put("r", "c", "taken", 0);
        const settled = await Promise.allSettled([
          store.put("r", "c", "a", 1),
          store.put("r", "c", "taken", 1, { ifVersion: 0 }),
          store.put("r", "c", "b", 2),
          store.nextVersion("s"),
          store.delete("r", "c", "absent"),
          store.transact("r", [{ op: "put", collection: "c", key: "t", value: 3 }]),
        ]);
        assert.deepEqual(sizes, [1, 6], "the six calls shared one storage commit");
        const outcome = settled.map((s) => (s.status === "fulfilled" ? s.value.version : (s.reason as Error).name));
        assert.deepEqual(outcome, [2, "VersionMismatchError", 3, 1, "NotFoundError", 4]);
      }));

    it("runs a request retried with the same Idempotency-Key once, also when both arrive together", () =>
      withHarness(open, async (h) => {
        const store = h.verso();
        const [a, b] = await Promise.all([
          store.put("r", "c", "k", 1, { idempotencyKey: "same" }),
          store.put("r", "c", "k", 1, { idempotencyKey: "same" }),
        ]);
        assert.deepEqual(a, { region: "r", collection: "c", key: "k", version: 1 });
        assert.deepEqual(b, a);
        await store.put("r", "c", "k", 2);
        assert.deepEqual(await store.put("r", "c", "k", 1, { idempotencyKey: "same" }), a);
        await assert.rejects(store.put("r", "c", "k", 3, { idempotencyKey: "same" }), IdempotencyKeyReusedError);
        await assert.rejects(store.nextVersion("r", { idempotencyKey: "same" }), IdempotencyKeyReusedError);
        assert.equal((await store.getVersion("r")).version, 2);
      }));

    it("serves pages with values, and a reset after compaction converges", () =>
      withHarness(open, async (h) => {
        const store = h.verso();
        const live: State = new Map();
        for (let i = 1; i <= 5; i++) await store.put("r", "c", `k${i}`, { i });
        await store.delete("r", "c", "k2");
        await store.transact("r", [
          { op: "put", collection: "c", key: "k1", value: "one" },
          { op: "delete", collection: "c", key: "k3" },
        ]);
        for (const [key, version, value] of [
          ["k4", 4, '{"i":4}'],
          ["k5", 5, '{"i":5}'],
          ["k1", 7, '"one"'],
        ] as const) {
          live.set(cellId("c", key), { version, valueJson: value });
        }
        const page = await store.changes("r", { since: 5 });
        assert.deepEqual(page.ops, [
          { op: "del", collection: "c", key: "k2", version: 6 },
          { op: "put", collection: "c", key: "k1", version: 7, value: "one" },
          { op: "del", collection: "c", key: "k3", version: 7 },
        ]);
        assert.deepEqual(await store.compact("r", { retainVersions: 0 }), { floor: 7, purged: 2 });
        const read = (since: number | undefined, epoch: string | undefined, limit: number) =>
          internalsOf(store).changesRaw("r", { limit, ...(since !== undefined && { since }), ...(epoch !== undefined && { epoch }) });
        for (const limit of [1, 2, 1000]) {
          for (const since of [undefined, 0, 5]) {
            const reader = await follow(read, { state: new Map(), ...(since !== undefined && { since }) }, limit);
            assert.deepEqual(entries(reader.state), entries(live), `limit ${limit} since ${since}`);
          }
        }
      }));

    it("wakes a long-poll and a read barrier when a commit lands", () =>
      withHarness(open, async (h) => {
        const store = h.verso();
        await store.put("r", "c", "k", 1);
        const polling = store.changes("r", { since: 1, waitMs: 10_000 });
        const reading = store.get("r", "c", "k", { minVersion: 2, timeoutMs: 10_000 });
        const started = Date.now();
        await store.put("r", "c", "k", 2);
        const [page, row] = await Promise.all([polling, reading]);
        assert.deepEqual(page.ops, [{ op: "put", collection: "c", key: "k", version: 2, value: 2 }]);
        assert.deepEqual(row, { key: "k", version: 2, value: 2 });
        assert.ok(Date.now() - started < 5_000, "woken by the commit, not by the timeout");
      }));

    it("keeps state and retries across a reopen", (t) =>
      withHarness(open, async (h) => {
        if (!h.persistent) {
          t.skip("the backend does not persist");
          return;
        }
        const first = h.verso();
        await first.put("r", "c", "k", "v", { idempotencyKey: "p1" });
        await first.nextVersion("r", { idempotencyKey: "n1" });
        const { epoch } = await first.getVersion("r");
        await h.reopen();
        const store = h.verso();
        assert.deepEqual(await store.getVersion("r"), { region: "r", epoch, version: 2, floor: 0 });
        assert.deepEqual(await store.put("r", "c", "k", "v", { idempotencyKey: "p1" }), {
          region: "r",
          collection: "c",
          key: "k",
          version: 1,
        });
        assert.deepEqual(await store.nextVersion("r", { idempotencyKey: "n1" }), { region: "r", version: 2 });
        assert.deepEqual(await store.get("r", "c", "k"), { key: "k", version: 1, value: "v" });
        assert.deepEqual(await store.nextVersion("r"), { region: "r", version: 3 });
      }));
  });
}
