/**
 * Model property of the replica file's own change feed (what the agent's listener
 * serves): random histories of incremental pages (puts, deletes of present and absent
 * keys, several ops per version, NextVersion-like empty versions), resets from another
 * epoch and tombstone compactions are applied to a ReplicaStore; then readers that held
 * the replica's rows at any earlier point follow the file's feed from there, with random
 * page sizes, and must end with exactly the replica's live rows. A cursor below the
 * file's floor (after a reset or a compaction) must be answered with a reset, never with
 * a gap: a silent gap shows up as a difference.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, it } from "node:test";
import fc from "fast-check";
import { ReplicaReader } from "../../src/agent/replica-reader.js";
import { ReplicaStore } from "../../src/agent/replica-store.js";
import type { Page, PageOp } from "../../src/protocol/types.js";
import { tempDir } from "../agent/helpers.js";
import { cellId, entries, follow, type State } from "../support/replica.js";

const RUNS = Number(process.env.VERSO_PROPERTY_RUNS ?? 150);
const KEYS = ["a", "b", "c", "d", "e"];

type Step =
  | { kind: "version"; ops: Array<{ key: string; collection: string; put: boolean; value: number }> }
  | { kind: "reset"; keys: string[]; cut: number; sameEpoch: boolean }
  | { kind: "compact" };

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.record({
      kind: fc.constant("version" as const),
      ops: fc.uniqueArray(
        fc.record({ key: fc.constantFrom(...KEYS), collection: fc.constantFrom("c", "d"), put: fc.boolean(), value: fc.nat(99) }),
        { maxLength: 4, selector: (op) => `${op.collection}/${op.key}` },
      ),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("reset" as const),
      keys: fc.subarray(KEYS),
      cut: fc.integer({ min: 1, max: 3 }),
      sameEpoch: fc.boolean(),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ kind: "compact" as const }) },
);

/** What a reader of the file held at some point: the live rows at a cursor of an epoch. */
interface Snapshot {
  state: State;
  cursor: number;
  epoch: string;
}

function liveRows(reader: ReplicaReader): State {
  return new Map(reader.all().map((row) => [cellId(row.collection, row.key), { version: row.version, valueJson: row.valueJson }]));
}

describe("the replica file's change feed (model property)", () => {
  it("followed from any cursor it served, or from nothing, converges to the replica's rows", async (t) => {
    const dir = tempDir(t);
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(stepArb, { minLength: 1, maxLength: 25 }),
        fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 8 }),
        async (steps, limits) => {
          const path = join(dir, `r${run++}.db`);
          const store = new ReplicaStore(path, "eu", "http://unused");
          const reader = new ReplicaReader(path);
          try {
            let version = 0;
            let epoch = "e0";
            const apply = (page: Page) => store.applyPage(page, false);
            apply({ region: "eu", epoch, reset: true, ops: [{ op: "clear" }], cursor: 0, head: 0, more: false });
            const snapshots: Snapshot[] = [{ state: liveRows(reader), cursor: 0, epoch }];
            for (const step of steps) {
              if (step.kind === "version") {
                version++;
                const ops: PageOp[] = step.ops
                  .map((op) =>
                    op.put
                      ? { op: "put" as const, collection: op.collection, key: op.key, version, value: op.value }
                      : { op: "del" as const, collection: op.collection, key: op.key, version },
                  )
                  .sort((x, y) => (x.collection + x.key < y.collection + y.key ? -1 : 1));
                apply({ region: "eu", epoch, reset: false, ops, cursor: version, head: version, more: false });
              } else if (step.kind === "reset") {
                // Live rows only, in pages of `cut` rows: another epoch (a re-created region), or
                // the same one (the server compacted past the agent's cursor while it was away).
                if (!step.sameEpoch) epoch = `e${snapshots.length}`;
                const puts: PageOp[] = step.keys.map((key) => ({ op: "put", collection: "c", key, version: ++version, value: 0 }));
                const head = ++version;
                for (let at = 0, first = true; first || at < puts.length; at += step.cut, first = false) {
                  const ops = puts.slice(at, at + step.cut);
                  const last = at + step.cut >= puts.length;
                  const cursor = last ? head : (ops.at(-1) as { version: number }).version;
                  apply({ region: "eu", epoch, reset: first, ops: first ? [{ op: "clear" }, ...ops] : ops, cursor, head, more: !last });
                }
              } else {
                store.compactTombstones(Date.now() + 1);
              }
              snapshots.push({ state: liveRows(reader), cursor: version, epoch });
            }
            const final = entries(liveRows(reader));
            const floor = reader.position().floor;
            let next = 0;
            const limit = () => limits[next++ % limits.length] ?? 1;
            const read = async (since: number | undefined, at: string | undefined, size: number) =>
              reader.page({ region: "eu", limit: size, ...(since !== undefined && { since }), ...(at !== undefined && { epoch: at }) });
            const followers: Array<{ state: State; since?: number; epoch?: string }> = [
              { state: new Map() },
              ...snapshots.map((s) => ({ state: s.state, since: s.cursor, epoch: s.epoch })),
            ];
            for (const start of followers) {
              const followed = await follow(read, start, limit);
              assert.deepEqual(entries(followed.state), final, `from ${start.since}@${start.epoch} (floor ${floor})`);
              const first = followed.pages[0];
              if (start.since !== undefined && start.since < floor) assert.equal(first?.reset, true, "below the floor: a reset");
            }
          } finally {
            reader.close();
            store.close();
          }
        },
      ),
      { numRuns: RUNS },
    );
  });
});
