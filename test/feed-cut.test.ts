import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { cutPage, needsReset } from "../src/model/feed.js";

describe("cutPage", () => {
  it("never splits a version and keeps at most limit rows unless one version is larger", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 6 }), { maxLength: 40 }), fc.integer({ min: 1, max: 10 }), (steps, limit) => {
        const versions: number[] = [];
        let v = 0;
        for (const s of steps) {
          v += s % 3 === 0 ? 0 : 1;
          versions.push(Math.max(v, 1));
        }
        const fetched = versions.slice(0, limit + 1);
        const cut = cutPage(fetched, limit, 0);
        if (cut.kind === "all") {
          assert.ok(fetched.length <= limit);
        } else if (cut.kind === "partial") {
          assert.ok(cut.count <= limit && cut.count > 0);
          assert.equal(fetched[cut.count - 1], cut.cursor);
          assert.notEqual(versions[cut.count], cut.cursor, "the next row must start a new version");
        } else {
          assert.equal(fetched[0], cut.version);
          assert.equal(fetched[limit], cut.version);
        }
      }),
    );
  });
});

describe("cutPage below the floor", () => {
  it("never ends a page below the floor, where the cursor could not be resumed", () => {
    assert.deepEqual(cutPage([3, 5, 12, 13], 1, 10), { kind: "whole-version", version: 10 });
    assert.deepEqual(cutPage([3, 5, 12, 13], 3, 10), { kind: "partial", count: 3, cursor: 12 });
    assert.deepEqual(cutPage([3, 5, 12, 12], 3, 10), { kind: "partial", count: 2, cursor: 10 });
    assert.deepEqual(cutPage([3, 5, 12], 3, 10), { kind: "all", count: 3 });
    assert.deepEqual(cutPage([11, 12], 1, 10), { kind: "partial", count: 1, cursor: 11 });
  });

  it("cuts at or above the floor for any rows", () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 30 }), { minLength: 1, maxLength: 30 }),
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 0, max: 30 }),
        (raw, limit, floor) => {
          const versions = [...raw].sort((a, b) => a - b).slice(0, limit + 1);
          const cut = cutPage(versions, limit, floor);
          if (cut.kind === "partial") {
            assert.ok(cut.cursor >= floor && cut.count <= limit);
            assert.ok(Math.max(versions[cut.count] ?? Number.POSITIVE_INFINITY, floor) > cut.cursor, "the rest starts after the cursor");
          } else if (cut.kind === "whole-version") {
            assert.ok(cut.version >= floor && cut.version >= (versions[0] ?? 0));
            assert.equal(Math.max(versions[limit] ?? 0, floor), cut.version);
          }
        },
      ),
    );
  });
});

describe("needsReset", () => {
  const region = { region: "r", epoch: "e1", version: 10, floor: 4 };
  it("serves cursors in [floor, head] of the same epoch", () => {
    assert.equal(needsReset(region, 4, "e1"), false);
    assert.equal(needsReset(region, 10, undefined), false);
    assert.equal(needsReset(region, 7, ""), false);
  });
  it("resets a missing, stale, future or foreign cursor", () => {
    assert.equal(needsReset(region, undefined, "e1"), true);
    assert.equal(needsReset(region, 3, "e1"), true);
    assert.equal(needsReset(region, 11, "e1"), true);
    assert.equal(needsReset(region, 5, "e2"), true);
  });
});
