/** The ordering checker's rules, on made-up histories. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type Ack, checkAcks, checkFinal, checkReader, type ReaderLog } from "../../src/checker/history.js";

const acks: Ack[] = [
  { region: "r", version: 1, keys: ["a"] },
  { region: "r", version: 2, keys: ["b", "c"] },
  { region: "r", version: 3, keys: ["d"] },
  { region: "other", version: 1, keys: ["x"] },
];

function reader(ops: Array<[string, number]>, caughtUp: Array<[number, number]>): ReaderLog {
  return {
    reader: "R",
    region: "r",
    segments: [
      { ops: ops.map(([key, version]) => ({ key, version })), caughtUp: caughtUp.map(([cursor, opsSeen]) => ({ cursor, opsSeen })) },
    ],
  };
}

describe("ordering checker rules", () => {
  it("accepts a reader that held every write up to each cursor it caught up at", () => {
    const log = reader(
      [
        ["a", 1],
        ["b", 2],
        ["c", 2],
        ["d", 3],
      ],
      [
        [1, 1],
        [2, 3],
        [3, 4],
      ],
    );
    assert.deepEqual(checkReader(log, acks), []);
  });

  it("reports a reader caught up past a version it never received, once", () => {
    // v1 committed after v2 was read: the cursor moved past it (the allocate-then-write hazard).
    const log = reader(
      [
        ["b", 2],
        ["c", 2],
        ["d", 3],
      ],
      [
        [2, 2],
        [3, 3],
      ],
    );
    const violations = checkReader(log, acks);
    assert.equal(violations.length, 1);
    assert.equal(violations[0]?.kind, "missed");
    assert.match(violations[0]?.detail ?? "", /cursor 2 without acknowledged version 1/);
  });

  it("reports half a version as missed, and a write received only after the reader claimed to be caught up", () => {
    const half = reader(
      [
        ["a", 1],
        ["b", 2],
      ],
      [[2, 2]],
    );
    assert.deepEqual(
      checkReader(half, acks).map((v) => v.kind),
      ["missed"],
    );
    const late = reader(
      [
        ["b", 2],
        ["c", 2],
        ["a", 1],
      ],
      [
        [2, 2],
        [2, 3],
      ],
    );
    assert.deepEqual(
      checkReader(late, acks).map((v) => v.kind),
      ["missed"],
    );
  });

  it("reports a change delivered twice to one reader", () => {
    const log = reader(
      [
        ["a", 1],
        ["a", 1],
      ],
      [],
    );
    assert.deepEqual(
      checkReader(log, acks).map((v) => v.kind),
      ["duplicate"],
    );
  });

  it("reports one version acknowledged to two writes", () => {
    assert.deepEqual(checkAcks(acks), []);
    const reused = checkAcks([...acks, { region: "r", version: 2, keys: ["z"] }]);
    assert.deepEqual(
      reused.map((v) => v.kind),
      ["version-reused"],
    );
  });

  it("reports an acknowledged write missing from the final feed or at another version", () => {
    const final = [
      { key: "a", version: 1 },
      { key: "b", version: 2 },
      { key: "c", version: 5 },
    ];
    assert.deepEqual(
      checkFinal("r", final, acks, "node 0").map((v) => v.detail),
      ["node 0: c acknowledged at version 2, final feed has 5", "node 0: d acknowledged at version 3, final feed has nothing"],
    );
  });
});
