/** The checker on in-memory write paths: it must flag out-of-order commits and pass in-order ones. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { checkOrdering, FeedReader } from "../../src/restate/ordering-check.js";

function memoryFeed() {
  const versions: number[] = [];
  return {
    commit: (version: number) => versions.push(version),
    poll: (cursor: number) => versions.filter((v) => v > cursor).sort((a, b) => a - b),
  };
}

test("allocate-then-write with a slow writer skips a version", async () => {
  const feed = memoryFeed();
  const reader = new FeedReader(feed.poll);
  let counter = 0;
  const report = await checkOrdering({
    reader,
    writers: 4,
    writesPerWriter: 10,
    pollIntervalMs: 1,
    write: async (writer) => {
      const version = ++counter;
      // Writer 0 commits only once the agent has moved past its version.
      if (writer === 0) await reader.cursorPast(version, 50);
      await Promise.resolve();
      feed.commit(version);
    },
  });
  assert.equal(report.ok, false);
  assert.ok(report.missed.length > 0, JSON.stringify(report));
  assert.ok(report.missed.every((v) => v < report.cursor));
});

test("allocating and committing under one lock never skips", async () => {
  const feed = memoryFeed();
  const reader = new FeedReader(feed.poll);
  let counter = 0;
  let lock = Promise.resolve();
  let passedInFlight = 0;
  const report = await checkOrdering({
    reader,
    writers: 4,
    writesPerWriter: 10,
    pollIntervalMs: 1,
    write: (writer) => {
      const done = lock.then(async () => {
        const version = ++counter;
        if (writer === 0 && (await reader.cursorPast(version, 20))) passedInFlight++;
        feed.commit(version);
      });
      lock = done;
      return done;
    },
  });
  assert.deepEqual(report.missed, []);
  assert.equal(report.ok, true);
  assert.equal(passedInFlight, 0);
  assert.equal(report.cursor, 40);
});

test("a reader whose query is not ordered by version is reported", async () => {
  const reader = new FeedReader((cursor) => [3, 2, 1].filter((v) => v > cursor));
  await reader.pollOnce();
  assert.equal(reader.disorder.length, 2);
});
