import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { checkConditions } from "../src/model/conditions.js";

describe("checkConditions", () => {
  const tombstone = { version: 4, deleted: true, valueJson: null };
  const live = { version: 4, deleted: false, valueJson: "1" };

  it("a delete that must find the row absent fails as missing", () => {
    for (const state of [undefined, tombstone]) {
      assert.deepEqual(checkConditions([{ op: "delete", collection: "c", key: "k", expect: 0 }], [state]), [
        { index: 0, collection: "c", key: "k", reason: "missing", current: null },
      ]);
    }
    assert.equal(checkConditions([{ op: "delete", collection: "c", key: "k", expect: 0 }], [live])[0]?.reason, "mismatch");
  });

  it("a put that must find the row absent holds over nothing and over a tombstone", () => {
    for (const state of [undefined, tombstone]) {
      assert.deepEqual(checkConditions([{ op: "put", collection: "c", key: "k", valueJson: "2", expect: 0 }], [state]), []);
    }
  });
});
