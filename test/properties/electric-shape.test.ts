/**
 * The Shape translation as a property: over any history of writes and compactions,
 * a reader that takes a snapshot (paged while writes land) or starts from the exact
 * copy at any offset, and follows the messages, ends holding the collection's rows;
 * it is never sent an insert for a key it holds. Rows are kept as both engines keep
 * them (creation version, end of the previous life), and pages are read and cut by
 * the same code the backends run (storage/page-read.ts).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { encodeHandle, heldLife, refetchReason, type ShapeHandle, shapeMessages, snapshotHandle } from "../../src/model/electric-shape.js";
import type { FeedRow } from "../../src/model/feed-rows.js";
import { type FeedSource, readPageSync } from "../../src/model/page-read.js";
import type { ChangesQuery, RawPage } from "../../src/model/raw-page.js";

const KEYS = ["a", "b", "c", "d", "e"];
const COLLECTIONS = ["shape", "other"];

interface StoredRow {
  collection: string;
  key: string;
  version: number;
  deleted: boolean;
  value: string | null;
  created: number;
  priorEnd: number | null;
}

/** A region as the engines keep it: the upsert rules of statements.ts, purges of compaction. */
class RegionModel {
  head = 0;
  floor = 0;
  readonly rows = new Map<string, StoredRow>();
  /** The shape collection's live rows after each version: the truth at any offset. */
  readonly history: Array<Map<string, string>> = [new Map()];

  write(ops: ReadonlyArray<{ collection: string; key: string; del: boolean }>): void {
    const version = ++this.head;
    for (const op of ops) {
      const id = `${op.collection}/${op.key}`;
      const old = this.rows.get(id);
      if (op.del && (!old || old.deleted)) continue; // the store refuses deleting an absent row
      const reborn = old?.deleted === true && !op.del;
      this.rows.set(id, {
        collection: op.collection,
        key: op.key,
        version,
        deleted: op.del,
        value: op.del ? null : JSON.stringify({ v: version }),
        created: reborn || old === undefined ? version : old.created,
        priorEnd: reborn ? old.version : (old?.priorEnd ?? null),
      });
    }
    this.history.push(this.live());
  }

  compact(): void {
    this.floor = this.head;
    for (const [id, row] of this.rows) if (row.deleted) this.rows.delete(id);
  }

  live(): Map<string, string> {
    const live = new Map<string, string>();
    for (const row of this.rows.values()) if (row.collection === "shape" && !row.deleted && row.value) live.set(row.key, row.value);
    return live;
  }

  read(query: ChangesQuery): RawPage {
    const source: FeedSource = {
      region: () => ({ id: 1, name: "r", epoch: "e", version: this.head, floor: this.floor }),
      liveCount: () => assert.fail("the feed of one collection counts no rows"),
      rows: (fetch) => {
        const rows = [...this.rows.values()]
          .filter((row) => row.collection === fetch.collection && row.version > fetch.from && (!fetch.live || !row.deleted))
          .filter((row) => fetch.kind === "first" || row.version <= fetch.upTo)
          .sort((x, y) => x.version - y.version || (x.key < y.key ? -1 : x.key > y.key ? 1 : 0))
          .map(
            (row): FeedRow => ({
              collection: row.collection,
              key: row.key,
              version: row.version,
              deleted: row.deleted,
              value: row.value,
              schema_version: null,
              created_version: row.created,
              prior_end_version: row.priorEnd,
            }),
          );
        return fetch.kind === "first" ? rows.slice(0, fetch.limit) : rows;
      },
    };
    return readPageSync(source, { ...query, region: "r", resumableReset: true, collection: "shape" });
  }
}

/** A strict reader: the route's decisions (snapshot, catch-up, refetch) over the model. */
class Reader {
  held = new Map<string, string>();
  duplicateInserts: string[] = [];
  handle: ShapeHandle | undefined;
  offset: number | undefined;
  exact = false;
  refetches = 0;

  constructor(private readonly limit: number) {}

  /** One request; true when the answer was up to date. */
  step(region: RegionModel): boolean {
    if (this.offset === undefined || this.handle === undefined) {
      const page = region.read({ region: "r", limit: this.limit });
      this.handle = snapshotHandle(this.handle, page, () => "t");
      this.apply(page, undefined);
      return !page.more;
    }
    const since = this.offset;
    const page = region.read({
      region: "r",
      limit: this.limit,
      since,
      epoch: this.handle.epoch,
      ...(since < this.handle.snapshotHead && { resetHead: this.handle.snapshotHead }),
    });
    if (refetchReason(this.handle, page) !== undefined) {
      this.refetches++;
      this.held.clear();
      this.offset = undefined;
      this.handle = { epoch: page.epoch, snapshotHead: page.head, tag: `r${this.refetches}` };
      return false;
    }
    this.apply(page, { offset: since, snapshotHead: this.handle.snapshotHead, exact: this.exact && since >= this.handle.snapshotHead });
    return !page.more;
  }

  private apply(page: RawPage, at: { offset: number; snapshotHead: number; exact: boolean } | undefined): void {
    for (const message of shapeMessages(page.ops, at)) {
      if (message.operation === "insert" && this.held.has(message.key)) this.duplicateInserts.push(message.key);
      if (message.operation === "delete") this.held.delete(message.key);
      else this.held.set(message.key, message.valueJson ?? "");
    }
    this.offset = page.cursor;
    this.exact = !page.more;
  }
}

type Step = { kind: "write"; ops: Array<{ collection: string; key: string; del: boolean }> } | { kind: "compact" } | { kind: "read" };

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc
      .uniqueArray(fc.record({ collection: fc.constantFrom(...COLLECTIONS), key: fc.constantFrom(...KEYS), del: fc.boolean() }), {
        minLength: 1,
        maxLength: 4,
        selector: (op) => `${op.collection}/${op.key}`,
      })
      .map((ops): Step => ({ kind: "write", ops })),
  },
  { weight: 1, arbitrary: fc.constant<Step>({ kind: "compact" }) },
  { weight: 4, arbitrary: fc.constant<Step>({ kind: "read" }) },
);

function finish(reader: Reader, region: RegionModel): void {
  for (let i = 0; i < 1000 && !reader.step(region); i++);
}

describe("Electric shape translation (model)", () => {
  it("a snapshot paged while writes land, then followed, ends holding the collection's rows", () => {
    fc.assert(
      fc.property(
        fc.array(stepArb, { maxLength: 40 }),
        fc.array(stepArb, { maxLength: 60 }),
        fc.integer({ min: 1, max: 4 }),
        (before, during, limit) => {
          const region = new RegionModel();
          const run = (step: Step, reader?: Reader) => {
            if (step.kind === "write") region.write(step.ops);
            else if (step.kind === "compact") region.compact();
            else reader?.step(region);
          };
          for (const step of before) run(step);
          const reader = new Reader(limit);
          for (const step of during) run(step, reader);
          finish(reader, region);
          assert.deepEqual(reader.held, region.live());
          assert.deepEqual(reader.duplicateInserts, []);
        },
      ),
      { numRuns: 400 },
    );
  });

  it("a reader holding the exact copy at any offset follows the messages to the collection's rows", () => {
    fc.assert(
      fc.property(
        fc.array(stepArb, { minLength: 1, maxLength: 40 }),
        fc.nat(),
        fc.array(stepArb, { maxLength: 40 }),
        fc.integer({ min: 1, max: 4 }),
        (history, pick, later, limit) => {
          const region = new RegionModel();
          for (const step of history) if (step.kind === "write") region.write(step.ops);
          const offset = pick % (region.head + 1);
          const reader = new Reader(limit);
          reader.held = new Map(region.history[offset]);
          reader.offset = offset;
          reader.exact = true;
          reader.handle = { epoch: "e", snapshotHead: offset, tag: "t" };
          for (const step of later) {
            if (step.kind === "write") region.write(step.ops);
            else if (step.kind === "compact") region.compact();
            else reader.step(region);
          }
          finish(reader, region);
          assert.deepEqual(reader.held, region.live());
          assert.deepEqual(reader.duplicateInserts, []);
        },
      ),
      { numRuns: 400 },
    );
  });

  it("heldLife: exact readers, readers between pages, readers inside a snapshot", () => {
    const exact = { offset: 4, snapshotHead: 4, exact: true };
    assert.equal(heldLife(5, { created: 3 }, exact), "current");
    assert.equal(heldLife(5, { created: 5 }, exact), "none");
    assert.equal(heldLife(5, { created: 5, priorEnd: 5 }, exact), "earlier");
    assert.equal(heldLife(5, { created: 5, priorEnd: 4 }, exact), "none");
    // Between pages the tombstone at 3 may have been overwritten before a page covered it.
    assert.equal(heldLife(5, { created: 5, priorEnd: 3 }, { ...exact, exact: false }), "earlier");
    // During a snapshot that began at 6, a row changed at or below 6 was never sent.
    assert.equal(heldLife(6, { created: 1 }, { offset: 2, snapshotHead: 6, exact: false }), "none");
    assert.equal(heldLife(7, { created: 1 }, { offset: 2, snapshotHead: 6, exact: false }), "current");
    assert.match(encodeHandle({ epoch: "e-_1", snapshotHead: 12, tag: "abc" }), /^12\.abc\.e-_1$/);
  });
});
