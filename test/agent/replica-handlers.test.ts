import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, it } from "node:test";
import Database from "better-sqlite3";
import { openReplica } from "../../src/agent/replica.js";
import { REPLICA_MIGRATIONS, REPLICA_STATE_VERSION } from "../../src/agent/replica-schema.js";
import type { ChangeOp } from "../../src/agent/replica-store.js";
import type { FeedTransport } from "../../src/agent/transport.js";
import type { Page } from "../../src/protocol/types.js";
import { migrate } from "../../src/sqlite/migrate.js";
import { tempDir } from "./helpers.js";

const put = (key: string, version: number) => ({ op: "put" as const, collection: "c", key, version, value: version });

function page(ops: Page["ops"], cursor: number, reset = false): Page {
  return { region: "eu", epoch: "e1", reset, head: 4, more: false, ops, cursor };
}

/** Yields the pages not yet past the asked position, then waits for the connection to end. */
function scripted(pages: Page[], asked: Array<number | undefined>): FeedTransport {
  return async function* (position, signal) {
    asked.push(position.since);
    for (const p of pages) if (position.since === undefined || p.cursor > position.since) yield { type: "changes", page: p };
    await new Promise((resolve) => signal.addEventListener("abort", resolve, { once: true }));
  };
}

describe("replica handlers, at least once", () => {
  it("retries a failing onChange in order and consumes no new page until it succeeds", async (t) => {
    const path = join(tempDir(t), "replica.db");
    const pages = [page([{ op: "clear" }, put("a", 1), put("b", 2)], 2, true), page([put("c", 3), put("d", 4)], 4)];
    const asked: Array<number | undefined> = [];
    const handled: string[] = [];
    const errors: Array<{ version: number; retryInMs: number }> = [];
    let failuresLeft = 2;
    let cursorWhileFailing: number | undefined;
    const replica = openReplica({
      server: "http://unused",
      region: "eu",
      path,
      transport: scripted(pages, asked),
      backoffMs: 5,
      maxBackoffMs: 8,
      onChange: (c: ChangeOp) => {
        if (c.key === "b" && failuresLeft-- > 0) {
          cursorWhileFailing = replica.cursor;
          throw new Error("not yet");
        }
        handled.push(`${c.key}@${c.version}`);
      },
    });
    t.after(() => replica.stop());
    replica.on("handlerError", ({ change, retryInMs }) => errors.push({ version: change.version, retryInMs }));
    const ready = new Promise((resolve) => replica.once("ready", resolve));
    await ready;
    assert.deepEqual(handled, ["a@1", "b@2", "c@3", "d@4"]);
    assert.deepEqual(
      errors.map((e) => e.version),
      [2, 2],
    );
    assert.ok(errors.every((e) => e.retryInMs <= 8));
    assert.equal(cursorWhileFailing, 2, "the second page waited for the first one's handlers");
    // The failure dropped the connection; none was made while retrying, then one from the applied cursor.
    assert.deepEqual(asked, [undefined, 2]);
    assert.equal(replica.pendingChanges, 0);
  });

  it("upgrades a replica file of state version 1, keeping its position and rows", async (t) => {
    const path = join(tempDir(t), "replica.db");
    const db = new Database(path);
    migrate(db, REPLICA_MIGRATIONS.slice(0, 1));
    db.prepare("INSERT INTO replica_state (id, region, server, epoch, cursor, head) VALUES (1, 'eu', 's', 'e1', 2, 2)").run();
    db.prepare("INSERT INTO rows VALUES ('c', 'a', 1, '1'), ('c', 'b', 2, '2')").run();
    db.close();

    const asked: Array<number | undefined> = [];
    const handled: string[] = [];
    const replica = openReplica({
      server: "http://unused",
      region: "eu",
      path,
      transport: scripted([page([put("c", 3)], 3)], asked),
      onChange: (c: ChangeOp) => {
        handled.push(`${c.key}@${c.version}`);
      },
    });
    await replica.waitFor(3);
    await replica.stop();
    assert.deepEqual(asked, [2]);
    assert.deepEqual(handled, ["c@3"], "nothing from before the upgrade is delivered again");
    const after = new Database(path, { readonly: true });
    t.after(() => after.close());
    assert.equal(after.pragma("user_version", { simple: true }), REPLICA_STATE_VERSION);
    assert.equal(REPLICA_STATE_VERSION, 5);
    // State version 3 records the schema selection (an old file holds none, so it is not
    // rebuilt); version 4 gives the agent its id; version 5 keeps tombstones, and a file
    // that kept none serves its feed from its cursor at the upgrade (its floor).
    assert.deepEqual(after.prepare("SELECT cursor, handled, schemas, floor FROM replica_state").get(), {
      cursor: 3,
      handled: 1,
      schemas: "{}",
      floor: 2,
    });
    assert.match(String(after.prepare("SELECT agent_id FROM replica_state").pluck().get()), /^agt_[0-9a-f]{18}$/);
    assert.deepEqual(after.prepare("SELECT count(*) AS n FROM journal").get(), { n: 0 });
    assert.deepEqual(after.prepare("SELECT key FROM rows ORDER BY key").pluck().all(), ["a", "b", "c"]);
  });
});
