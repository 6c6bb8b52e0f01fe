/** Group commit: batching, and batches in flight at once when the backend allows it. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { nextVersionCommand } from "../src/core/commands.js";
import { GroupCommitter } from "../src/core/group-commit.js";
import type { WriteCommand } from "../src/model/write-command.js";
import type { WriteResult } from "../src/model/write-outcome.js";
import type { Storage } from "../src/storage/storage.js";

/** A storage whose writes finish only when the test says so. */
function heldStorage() {
  const calls: Array<{ batch: readonly WriteCommand[]; finish: () => void }> = [];
  let onCall: () => void = () => {};
  const storage = {
    write(batch: readonly WriteCommand[]): Promise<WriteResult[]> {
      return new Promise((resolve) => {
        calls.push({
          batch,
          finish: () => resolve(batch.map((c) => ({ outcome: { status: "committed", region: c.region, version: 1 }, replayed: false }))),
        });
        onCall();
      });
    },
  } as unknown as Storage;
  const nextCall = () =>
    new Promise<void>((resolve) => {
      onCall = resolve;
    });
  return { storage, calls, nextCall };
}

describe("GroupCommitter", () => {
  it("hands one batch at a time to storage by default, batching what arrives meanwhile", async () => {
    const { storage, calls, nextCall } = heldStorage();
    const committer = new GroupCommitter(storage, { maxBatch: 100 });
    let called = nextCall();
    const first = committer.submit(nextVersionCommand("a"));
    await called;
    const rest = [committer.submit(nextVersionCommand("b")), committer.submit(nextVersionCommand("c"))];
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(calls.length, 1, "a second batch started while the first was in flight");
    called = nextCall();
    calls[0]!.finish();
    await first;
    await called;
    assert.deepEqual(
      calls[1]!.batch.map((c) => c.region),
      ["b", "c"],
    );
    calls[1]!.finish();
    await Promise.all(rest);
    await committer.drain();
  });

  it("keeps up to maxInFlight batches in flight, and drain waits for all of them", async () => {
    const { storage, calls, nextCall } = heldStorage();
    const committer = new GroupCommitter(storage, { maxBatch: 100, maxInFlight: 2 });
    let called = nextCall();
    const a = committer.submit(nextVersionCommand("a"));
    await called;
    called = nextCall();
    const b = committer.submit(nextVersionCommand("b"));
    await called;
    const c = committer.submit(nextVersionCommand("c"));
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(calls.length, 2, "the third command must wait for a free slot");
    let drained = false;
    const draining = committer.drain().then(() => {
      drained = true;
    });
    called = nextCall();
    calls[1]!.finish();
    await b;
    await called;
    assert.deepEqual(
      calls[2]!.batch.map((x) => x.region),
      ["c"],
    );
    calls[2]!.finish();
    await c;
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(drained, false, "drain resolved with a batch still in flight");
    calls[0]!.finish();
    await a;
    await draining;
  });
});
