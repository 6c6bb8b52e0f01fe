/**
 * Replicache pushes on a backend: each mutation at its own version, the clients' last
 * mutation ids stored with the writes (and read back by version window), retries that
 * apply nothing twice, and state that survives reopening.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { replicachePushCommand } from "../../src/core/replicache-push.js";
import type { WriteCommand } from "../../src/model/write-command.js";
import type { WriteOutcome } from "../../src/model/write-outcome.js";
import type { Storage } from "../../src/storage/storage.js";
import { changes, type OpenBackend, opsOf, withHarness, write1 } from "./fixture.js";

function pushCommand(
  region: string,
  group: string,
  mutations: Array<[clientID: string, id: number, key: string, value?: unknown]>,
): WriteCommand {
  const decoded = replicachePushCommand(region, {
    pushVersion: 1,
    clientGroupID: group,
    mutations: mutations.map(([clientID, id, key, value]) => ({
      clientID,
      id,
      timestamp: 0,
      ...(value === undefined ? { name: "del", args: { key } } : { name: "put", args: { key, value } }),
    })),
  });
  assert.ok("command" in decoded);
  return decoded.command;
}

async function pushed(storage: Storage, command: WriteCommand): Promise<Extract<WriteOutcome, { status: "pushed" }>> {
  const { outcome } = await write1(storage, command);
  assert.equal(outcome.status, "pushed", JSON.stringify(outcome));
  return outcome as Extract<WriteOutcome, { status: "pushed" }>;
}

export function describeReplicacheStorage(open: OpenBackend): void {
  describe("Replicache clients", () => {
    it("applies each mutation at its own version and stores the clients' last mutation ids with them", () =>
      withHarness(open, async ({ storage }) => {
        const outcome = await pushed(
          storage,
          pushCommand("r", "g", [
            ["a", 1, "todos/1", 1],
            ["b", 1, "todos/2", 2],
            ["a", 2, "todos/1"],
            ["a", 3, "todos/absent"],
          ]),
        );
        assert.deepEqual(
          outcome.mutations.map((m) => [m.clientID, m.id, m.result, m.version]),
          [
            ["a", 1, "applied", 1],
            ["b", 1, "applied", 2],
            ["a", 2, "applied", 3],
            ["a", 3, "applied", 4],
          ],
        );
        assert.equal(outcome.head, 4);
        assert.deepEqual(
          opsOf(await changes(storage, "r", 0)),
          ["put todos/2@2", "del todos/1@3"],
          "a delete of an absent row writes nothing",
        );
        assert.equal((await storage.region("r")).version, 4);
        assert.deepEqual(await storage.replicacheClients("r", "g", 0, 4), [
          { clientID: "a", lastMutationID: 3 },
          { clientID: "b", lastMutationID: 1 },
        ]);
        assert.deepEqual(
          await storage.replicacheClients("r", "g", 2, 4),
          [{ clientID: "a", lastMutationID: 3 }],
          "changed after version 2",
        );
        assert.deepEqual(
          await storage.replicacheClients("r", "g", 0, 3),
          [{ clientID: "b", lastMutationID: 1 }],
          "not past the patch's version",
        );
        assert.deepEqual(await storage.replicacheClients("r", "other", 0, 4), []);
        assert.deepEqual(await storage.replicacheClients("elsewhere", "g", 0, 4), []);
      }));

    it("a retried push applies nothing twice, also inside one batch", () =>
      withHarness(open, async ({ storage }) => {
        const command = pushCommand("r", "g", [
          ["a", 1, "k/1", 1],
          ["a", 2, "k/2", 2],
        ]);
        const results = await storage.write([command, command, pushCommand("s", "g", [["z", 1, "k/1", 1]])]);
        const [first, second, third] = results.map((r) => {
          assert.ok(!(r instanceof Error), String(r));
          return r.outcome;
        });
        assert.equal(first?.status === "pushed" && first.head, 2);
        assert.deepEqual(second?.status === "pushed" && second.mutations.map((m) => m.result), ["skipped", "skipped"]);
        assert.equal(second?.status === "pushed" && second.head, 0);
        assert.equal(third?.status === "pushed" && third.head, 1, "another region has versions of its own");
        const later = await pushed(storage, command);
        assert.deepEqual(
          later.mutations.map((m) => m.result),
          ["skipped", "skipped"],
        );
        assert.equal((await storage.region("r")).version, 2);
      }));

    it("stops at a gap and at a client of another group, keeping what came before", () =>
      withHarness(open, async ({ storage }) => {
        const gap = await pushed(
          storage,
          pushCommand("r", "g", [
            ["a", 1, "k/1", 1],
            ["a", 3, "k/3", 3],
            ["a", 4, "k/4", 4],
          ]),
        );
        assert.deepEqual(gap.stopped, { clientID: "a", id: 3, reason: "future", lastMutationID: 1 });
        assert.equal(gap.head, 1);
        const unknown = await pushed(storage, pushCommand("r", "g", [["new", 2, "k/9", 9]]));
        assert.equal(unknown.stopped?.reason, "unknown_client");
        const other = await pushed(storage, pushCommand("r", "h", [["a", 2, "k/2", 2]]));
        assert.equal(other.stopped?.reason, "other_group");
        assert.equal((await storage.region("r")).version, 1);
        assert.deepEqual(await storage.replicacheClients("r", "g", 0, 10), [{ clientID: "a", lastMutationID: 1 }]);
      }));

    it("keeps the clients' state across reopening", () =>
      withHarness(open, async (h) => {
        if (!h.persistent) return;
        await pushed(h.storage, pushCommand("r", "g", [["a", 1, "k/1", 1]]));
        const storage = await h.reopen();
        assert.deepEqual(await storage.replicacheClients("r", "g", 0, 1), [{ clientID: "a", lastMutationID: 1 }]);
        const again = await pushed(storage, pushCommand("r", "g", [["a", 1, "k/1", 1]]));
        assert.equal(again.mutations[0]?.result, "skipped");
      }));
  });
}
