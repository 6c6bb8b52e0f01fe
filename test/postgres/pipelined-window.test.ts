/**
 * Statements a PostgreSQL batch sends without waiting are sent a window at a time: a
 * long batch does not queue thousands at once (which held the event loop for about half
 * a second with 20,000 puts), and still commits every command, in order.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { WriteCommand } from "../../src/model/write-command.js";
import { PIPELINE_WINDOW, Pipelined } from "../../src/storage/postgres/pipelined.js";
import type { PostgresStorage } from "../../src/storage/postgres/postgres-storage.js";
import { dropSchema, openPg, randomSchema, SKIP_POSTGRES } from "./pg-env.js";

function deferred(): { promise: Promise<void>; resolve: () => void; reject: (error: Error) => void } {
  let resolve = () => {};
  let reject: (error: Error) => void = () => {};
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe("Pipelined", () => {
  it("has room below its window, and past it, once half the window has answered", async () => {
    const pipelined = new Pipelined();
    const statements = Array.from({ length: 8 }, deferred);
    for (const statement of statements.slice(0, 7)) pipelined.add(statement.promise);
    assert.equal(pipelined.room(8), undefined, "7 outstanding of 8");
    pipelined.add(statements[7]!.promise);
    const room = pipelined.room(8);
    assert.ok(room, "8 outstanding: no room");
    let roomy = false;
    void room.then(() => {
      roomy = true;
    });
    for (const statement of statements.slice(0, 3)) statement.resolve();
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(roomy, false, "5 outstanding: more than half the window");
    statements[3]!.reject(new Error("first failure"));
    statements[4]!.reject(new Error("second failure"));
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(roomy, true, "4 outstanding: half the window, failures count as answered");
    for (const statement of statements.slice(5)) statement.resolve();
    await assert.rejects(pipelined.settled(), /first failure/);
  });
});

describe("a PostgreSQL batch longer than the pipeline window", { skip: SKIP_POSTGRES }, () => {
  const schema = randomSchema("verso_window");
  let storage: PostgresStorage;
  before(async () => {
    storage = await openPg(schema);
  });
  after(async () => {
    await storage.close();
    await dropSchema(schema);
  });

  it("commits every command, each at its own version in order", async () => {
    const count = PIPELINE_WINDOW * 4 + 3;
    const batch: WriteCommand[] = Array.from({ length: count }, (_, i) => ({
      kind: "txn",
      form: "put",
      region: "w",
      ops: [{ op: "put", collection: "c", key: `k${i}`, valueJson: String(i) }],
    }));
    const results = await storage.write(batch);
    const versions = results.map((result) => {
      assert.ok(!(result instanceof Error), String(result));
      assert.equal(result.outcome.status, "committed");
      return result.outcome.status === "committed" ? result.outcome.version : -1;
    });
    assert.deepEqual(
      versions,
      Array.from({ length: count }, (_, i) => i + 1),
    );
    assert.equal((await storage.region("w")).version, count);
    assert.equal((await storage.row("w", "c", `k${count - 1}`))?.valueJson, String(count - 1));
  });
});
