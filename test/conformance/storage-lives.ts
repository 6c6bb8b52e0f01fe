/**
 * Each row's life, as the feed of one collection reports it: the version its current
 * life began (etcd's create_revision) and where its previous life ended. Every write
 * path keeps them: single puts and deletes, transactions, batches, re-creation over a
 * tombstone, re-creation after compaction purged the tombstone.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { compactCommand, deleteCommand, putCommand, txnCommand } from "../../src/core/commands.js";
import { replicachePushCommand } from "../../src/core/replicache-push.js";
import type { RawPage } from "../../src/model/raw-page.js";
import type { Storage } from "../../src/storage/storage.js";
import { commit, type OpenBackend, withHarness, write1 } from "./fixture.js";

function collectionPage(storage: Storage, region: string, collection: string, since?: number): Promise<RawPage> {
  return storage.changes({ region, collection, limit: 1000, resumableReset: true, ...(since !== undefined && { since }) });
}

/** `key@version created/priorEnd` of every op, e.g. "a@5 3/-" or "del b@6 2/-". */
function lives(page: RawPage): string[] {
  return page.ops.flatMap((op) => {
    if (op.op === "clear") return [];
    const life = op.life ? `${op.life.created}/${op.life.priorEnd ?? "-"}` : "none";
    return [`${op.op === "del" ? "del " : ""}${op.key}@${op.version} ${life}`];
  });
}

export function describeLives(open: OpenBackend): void {
  describe("row lives (created_version)", () => {
    it("a put creates, an update keeps the creation, a delete keeps it on the tombstone", () =>
      withHarness(open, async ({ storage }) => {
        await commit(storage, putCommand("r", "c", "a", 1)); // 1
        await commit(storage, putCommand("r", "c", "b", 1)); // 2
        await commit(storage, putCommand("r", "c", "a", 2)); // 3
        await commit(storage, deleteCommand("r", "c", "b")); // 4
        await commit(storage, putCommand("r", "other", "a", 1)); // 5
        assert.deepEqual(lives(await collectionPage(storage, "r", "c", 0)), ["a@3 1/-", "del b@4 2/-"]);
        assert.deepEqual(lives(await collectionPage(storage, "r", "other", 0)), ["a@5 5/-"], "only the collection asked for");
      }));

    it("a put over a tombstone begins a new life and records where the old one ended", () =>
      withHarness(open, async ({ storage }) => {
        await commit(storage, putCommand("r", "c", "k", 1)); // 1
        await commit(storage, deleteCommand("r", "c", "k")); // 2
        await commit(storage, putCommand("r", "c", "k", 2)); // 3
        await commit(storage, putCommand("r", "c", "k", 3)); // 4
        assert.deepEqual(lives(await collectionPage(storage, "r", "c", 0)), ["k@4 3/2"]);
        await commit(storage, deleteCommand("r", "c", "k")); // 5
        assert.deepEqual(lives(await collectionPage(storage, "r", "c", 0)), ["del k@5 3/2"]);
        await commit(storage, txnCommand("r", { ops: [{ op: "put", collection: "c", key: "k", value: 4 }] })); // 6
        assert.deepEqual(lives(await collectionPage(storage, "r", "c", 0)), ["k@6 6/5"]);
      }));

    it("transactions and group-commit batches keep lives per row", () =>
      withHarness(open, async ({ storage }) => {
        await commit(
          storage,
          txnCommand("r", {
            ops: [
              { op: "put", collection: "c", key: "x", value: 1 },
              { op: "put", collection: "c", key: "y", value: 1 },
            ],
          }),
        ); // 1
        const results = await storage.write([
          txnCommand("r", {
            ops: [
              { op: "delete", collection: "c", key: "x" },
              { op: "put", collection: "c", key: "y", value: 2 },
            ],
          }), // 2
          putCommand("r", "c", "x", 3), // 3
          putCommand("r", "c", "z", 1), // 4
        ]);
        assert.ok(results.every((result) => !(result instanceof Error)));
        assert.deepEqual(lives(await collectionPage(storage, "r", "c", 0)), ["y@2 1/-", "x@3 3/2", "z@4 4/-"]);
      }));

    it("Replicache pushes keep lives like any write", () =>
      withHarness(open, async ({ storage }) => {
        const decoded = replicachePushCommand("r", {
          pushVersion: 1,
          clientGroupID: "g",
          mutations: [
            { clientID: "c1", id: 1, name: "put", args: { key: "c/k", value: 1 }, timestamp: 0 }, // 1
            { clientID: "c1", id: 2, name: "del", args: { key: "c/k" }, timestamp: 0 }, // 2
            { clientID: "c1", id: 3, name: "put", args: { key: "c/k", value: 2 }, timestamp: 0 }, // 3
            { clientID: "c1", id: 4, name: "put", args: { key: "c/k", value: 3 }, timestamp: 0 }, // 4
          ],
        });
        assert.ok("command" in decoded);
        const { outcome } = await write1(storage, decoded.command);
        assert.equal(outcome.status, "pushed", JSON.stringify(outcome));
        assert.deepEqual(lives(await collectionPage(storage, "r", "c", 0)), ["k@4 3/2"]);
      }));

    it("a row re-created after compaction purged its tombstone has no previous life on record", () =>
      withHarness(open, async ({ storage }) => {
        await commit(storage, putCommand("r", "c", "k", 1)); // 1
        await commit(storage, deleteCommand("r", "c", "k")); // 2
        await write1(storage, compactCommand("r", { retainVersions: 0 }));
        await commit(storage, putCommand("r", "c", "k", 2)); // 3
        assert.deepEqual(lives(await collectionPage(storage, "r", "c", 2)), ["k@3 3/-"]);
      }));

    it("a snapshot of one collection holds its live rows only, in version order", () =>
      withHarness(open, async ({ storage }) => {
        await commit(storage, putCommand("r", "c", "b", 1)); // 1
        await commit(storage, putCommand("r", "d", "a", 1)); // 2
        await commit(storage, putCommand("r", "c", "a", 1)); // 3
        await commit(storage, deleteCommand("r", "c", "b")); // 4
        const page = await collectionPage(storage, "r", "c");
        assert.equal(page.reset, true);
        assert.deepEqual(lives(page), ["a@3 3/-"]);
        assert.equal(page.cursor, 4);
      }));
  });
}
