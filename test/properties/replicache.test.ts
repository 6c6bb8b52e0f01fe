/**
 * Properties of the pure parts of verso's Replicache endpoints: mutation-id sequencing
 * over any history of pushes and retries, the patch made from feed ops, and the cookie.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import type { RawPageOp } from "../../src/model/raw-page.js";
import {
  nextCookie,
  type ReplicacheClientState,
  type ReplicacheCookie,
  replicacheKey,
  splitReplicacheKey,
} from "../../src/model/replicache.js";
import { serializePull } from "../../src/model/replicache-json.js";
import type { WriteCommand } from "../../src/model/write-command.js";
import { PushRun } from "../../src/storage/replicache-push-run.js";

const RUNS = Number(process.env.VERSO_PROPERTY_RUNS ?? 500);

type Push = Array<{ clientID: string; id: number }>;

const pushes = fc.array(
  fc.array(fc.record({ clientID: fc.constantFrom("a", "b", "c"), id: fc.integer({ min: 1, max: 8 }) }), { maxLength: 8 }),
  {
    maxLength: 20,
  },
);

/** Runs pushes through PushRun against an in-memory client table, committing each as storage would. */
function runPushes(history: Push[], group = "g") {
  const stored = new Map<string, ReplicacheClientState>();
  const applied: string[] = [];
  const lastSeen: Array<Map<string, number>> = [];
  let version = 0;
  const outcomes = history.map((push) => {
    const command: Extract<WriteCommand, { kind: "replicachePush" }> = {
      kind: "replicachePush",
      region: "r",
      clientGroupID: group,
      mutations: push.map((m) => ({ ...m, name: "put", ops: [] })),
    };
    const run = new PushRun(command, (clientID) => stored.get(clientID));
    for (const mutation of run.mutations()) {
      version++;
      applied.push(`${mutation.clientID}#${mutation.id}`);
      run.applied(mutation, version);
    }
    for (const row of run.clientRows()) stored.set(row.clientID, { clientGroupID: group, lastMutationID: row.lastMutationID });
    lastSeen.push(new Map([...stored].map(([id, state]) => [id, state.lastMutationID])));
    return run.outcome();
  });
  return { applied, stored, lastSeen, outcomes, version };
}

describe("Replicache mutation-id sequencing (property)", () => {
  it("applies each mutation at most once, in id order without gaps, and never moves a last mutation id back", () => {
    fc.assert(
      fc.property(pushes, (history) => {
        const { applied, stored, lastSeen, outcomes, version } = runPushes(history);
        assert.equal(new Set(applied).size, applied.length, "no mutation applied twice");
        assert.equal(version, applied.length, "one version per applied mutation");
        for (const [clientID, state] of stored) {
          const ids = applied.filter((a) => a.startsWith(`${clientID}#`)).map((a) => Number(a.split("#")[1]));
          assert.deepEqual(
            ids,
            Array.from({ length: state.lastMutationID }, (_, i) => i + 1),
          );
        }
        for (let i = 1; i < lastSeen.length; i++) {
          for (const [clientID, last] of lastSeen[i - 1]!) assert.ok((lastSeen[i]!.get(clientID) ?? 0) >= last);
        }
        for (const outcome of outcomes) {
          assert.equal(outcome.status, "pushed");
          if (outcome.status !== "pushed" || !outcome.stopped) continue;
          // A push stops only at a gap, and only the mutations before the stop have outcomes.
          assert.ok(outcome.stopped.id > outcome.stopped.lastMutationID + 1);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it("a push of a known client's next ids applies them all; sending it again applies none", () => {
    fc.assert(
      fc.property(pushes, fc.integer({ min: 1, max: 5 }), (history, count) => {
        const before = runPushes(history);
        const last = before.stored.get("a")?.lastMutationID ?? 0;
        const next: Push = Array.from({ length: count }, (_, i) => ({ clientID: "a", id: last + 1 + i }));
        const after = runPushes([...history, next, next]);
        const [first, again] = after.outcomes.slice(-2);
        assert.ok(first?.status === "pushed" && again?.status === "pushed");
        assert.deepEqual(
          first.mutations.map((m) => m.result),
          next.map(() => "applied"),
        );
        assert.deepEqual(
          again.mutations.map((m) => m.result),
          next.map(() => "skipped"),
        );
      }),
      { numRuns: RUNS },
    );
  });
});

const names = fc.constantFrom("todos", "notes", "a.b");
const keys = fc.constantFrom("1", "2", "x/y", "x/y/z", "-");
const feedOps = fc.array(
  fc.oneof(
    fc.record({ op: fc.constant("put" as const), collection: names, key: keys, value: fc.jsonValue({ maxDepth: 2 }) }),
    fc.record({ op: fc.constant("del" as const), collection: names, key: keys }),
    fc.constant({ op: "clear" as const }),
  ),
  { maxLength: 30 },
);

describe("Replicache patches from feed ops (property)", () => {
  it("applying the patch to a client's store gives what applying the feed ops gives the feed's reader", () => {
    fc.assert(
      fc.property(feedOps, fc.dictionary(fc.constantFrom("todos/1", "notes/x/y", "a.b/-"), fc.jsonValue({ maxDepth: 1 })), (ops, start) => {
        const raw: RawPageOp[] = ops.map((op, i) =>
          op.op === "put"
            ? { op: "put", collection: op.collection, key: op.key, version: i + 1, valueJson: JSON.stringify(op.value) }
            : op.op === "del"
              ? { op: "del", collection: op.collection, key: op.key, version: i + 1 }
              : { op: "clear" },
        );
        const reader = new Map(Object.entries(start).map(([k, v]) => [k, JSON.stringify(v)]));
        for (const op of raw) {
          if (op.op === "clear") reader.clear();
          else if (op.op === "put") reader.set(replicacheKey(op.collection, op.key), op.valueJson);
          else reader.delete(replicacheKey(op.collection, op.key));
        }
        const response = JSON.parse(serializePull({ order: 1, version: 1, epoch: "e" }, [{ clientID: "c", lastMutationID: 3 }], raw));
        const client = new Map(Object.entries(start).map(([k, v]) => [k, JSON.stringify(v)]));
        for (const op of response.patch as Array<{ op: string; key: string; value?: unknown }>) {
          if (op.op === "clear") client.clear();
          else if (op.op === "put") client.set(op.key, JSON.stringify(op.value));
          else client.delete(op.key);
        }
        assert.deepEqual(client, reader);
        assert.deepEqual(response.lastMutationIDChanges, { c: 3 });
        for (const op of raw) {
          if (op.op !== "clear")
            assert.deepEqual(splitReplicacheKey(replicacheKey(op.collection, op.key)), { collection: op.collection, key: op.key });
        }
      }),
      { numRuns: RUNS },
    );
  });
});

const pulls = fc.array(fc.record({ reset: fc.boolean(), version: fc.nat(1000), epoch: fc.constantFrom("e1", "e2", "") }), {
  maxLength: 30,
});

describe("Replicache cookies (property)", () => {
  it("never go back, move on every reset, and stay equal when nothing moved", () => {
    fc.assert(
      fc.property(pulls, (steps) => {
        let cookie: ReplicacheCookie | null = null;
        for (const s of steps) {
          // Without a reset the feed only moves forward in the same epoch.
          const version: number = s.reset || !cookie ? s.version : cookie.version + (s.version % 3);
          const epoch: string = s.reset || !cookie ? s.epoch : cookie.epoch;
          const next = nextCookie(cookie, s.reset, version, epoch);
          if (cookie) {
            assert.ok(next.order >= cookie.order, "order never goes back");
            if (s.reset) assert.ok(next.order > cookie.order, "a reset always changes the cookie");
            if (!s.reset && version === cookie.version) assert.deepEqual(next, cookie, "nothing moved: the same cookie");
          }
          assert.equal(next.version, version);
          cookie = next;
        }
      }),
      { numRuns: RUNS },
    );
  });
});
