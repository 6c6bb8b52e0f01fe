import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { cutPage, needsReset } from "../src/core/feed.js";

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
        const cut = cutPage(fetched, limit);
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
