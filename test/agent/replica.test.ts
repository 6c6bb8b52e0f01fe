import assert from "node:assert/strict";
import { copyFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import Database from "better-sqlite3";
import { openReplica, type Replica, type ReplicaOptions } from "../../src/agent/replica.js";
import type { VersoStore } from "../../src/core/store.js";
import { liveRows, random, replicaRows, startTestServer, type TestServer, tempDir } from "./helpers.js";

const COLLECTIONS = ["deployments", "gateways", "policies"] as const;

/** Random puts, deletes and multi-op transactions; returns the last version written. */
async function randomWrites(store: VersoStore, region: string, count: number, seed: number): Promise<number> {
  const next = random(seed);
  let version = 0;
  for (let i = 0; i < count; i++) {
    const collection = COLLECTIONS[Math.floor(next() * COLLECTIONS.length)] ?? "deployments";
    const key = `k${Math.floor(next() * 40)}`;
    const dice = next();
    if (dice < 0.2) {
      version = (await store.delete(region, collection, key).catch(() => store.nextVersion(region))).version;
    } else if (dice < 0.3) {
      const ops = [0, 1, 2].map((j) => ({ op: "put" as const, collection, key: `t${i}-${j}`, value: { i, j } }));
      version = (await store.transact(region, ops)).version;
    } else {
      version = (await store.put(region, collection, key, { i, replicas: Math.floor(next() * 9), tags: ["a", i] })).version;
    }
  }
  return version;
}

function open(server: TestServer, path: string, extra: Partial<ReplicaOptions> = {}): Replica {
  return openReplica({ server: server.url, region: "eu", path, transport: "poll", waitMs: 2_000, backoffMs: 20, ...extra });
}

async function assertConverged(replica: Replica, server: TestServer, region = "eu"): Promise<void> {
  const head = (await server.store.getVersion(region)).version;
  await replica.waitFor(head);
  assert.deepEqual(replicaRows(replica.all()), await liveRows(server.store, region, COLLECTIONS));
}

function once<T>(replica: Replica, event: "reset" | "ready"): Promise<T> {
  return new Promise((resolve) => replica.once(event, resolve as never));
}

describe("replica agent (poll transport)", () => {
  it("equals the server's live rows after random writes, also while writes continue", async (t) => {
    const dir = tempDir(t);
    const server = await startTestServer(join(dir, "server.db"));
    t.after(() => server.stop());
    await randomWrites(server.store, "eu", 300, 1);
    const replica = open(server, join(dir, "replica.db"), { pageLimit: 17 });
    t.after(() => replica.stop());
    await assertConverged(replica, server);
    await randomWrites(server.store, "eu", 200, 2);
    await assertConverged(replica, server);
    assert.equal(replica.cursor, (await server.store.getVersion("eu")).version);
    assert.equal(replica.lag, 0);
  });

  it("restarts from its cursor and fetches only the ops it lacks", async (t) => {
    const dir = tempDir(t);
    const server = await startTestServer(join(dir, "server.db"));
    t.after(() => server.stop());
    const path = join(dir, "replica.db");
    await randomWrites(server.store, "eu", 150, 3);
    const first = open(server, path, { pageLimit: 25 });
    await assertConverged(first, server);
    const cursor = first.cursor ?? -1;
    await first.stop();

    await randomWrites(server.store, "eu", 80, 4);
    const missing = await server.store.changes("eu", { since: cursor, limit: 10_000 });
    assert.ok(missing.ops.length > 0 && !missing.more);
    const second = open(server, path, { pageLimit: 25 });
    t.after(() => second.stop());
    const resets: unknown[] = [];
    second.on("reset", (r) => resets.push(r));
    await assertConverged(second, server);
    assert.equal(second.opsReceived, missing.ops.length);
    assert.deepEqual(resets, []);
  });

  it("resets after compaction while it was offline, across several pages", async (t) => {
    const dir = tempDir(t);
    const server = await startTestServer(join(dir, "server.db"));
    t.after(() => server.stop());
    const path = join(dir, "replica.db");
    await randomWrites(server.store, "eu", 100, 5);
    const first = open(server, path, { pageLimit: 10 });
    await assertConverged(first, server);
    await first.stop();

    await randomWrites(server.store, "eu", 100, 6);
    const { floor } = await server.store.compact("eu", { retainVersions: 0 });
    assert.ok(floor > (first.cursor ?? 0));
    const second = open(server, path, { pageLimit: 10 });
    t.after(() => second.stop());
    const reset = once<{ cursor: number }>(second, "reset");
    await assertConverged(second, server);
    assert.equal((await reset).cursor, floor);
    assert.ok(second.opsReceived > 10, "the reset spanned several pages");
  });

  it("resets when the server's database was replaced (new epoch)", async (t) => {
    const dir = tempDir(t);
    const path = join(dir, "replica.db");
    const old = await startTestServer(join(dir, "old.db"));
    await randomWrites(old.store, "eu", 120, 7);
    const first = open(old, path);
    await assertConverged(first, old);
    const oldEpoch = first.epoch;
    await first.stop();
    await old.stop();

    const fresh = await startTestServer(join(dir, "new.db"));
    t.after(() => fresh.stop());
    await randomWrites(fresh.store, "eu", 200, 8);
    const second = open(fresh, path, { pageLimit: 30 });
    t.after(() => second.stop());
    const reset = once<{ epoch: string }>(second, "reset");
    await assertConverged(second, fresh);
    assert.notEqual((await reset).epoch, oldEpoch);
    assert.equal(second.epoch, (await fresh.store.getVersion("eu")).epoch);
  });

  it("resets when its cursor is ahead of the head (server restored from a backup)", async (t) => {
    const dir = tempDir(t);
    const db = join(dir, "server.db");
    const path = join(dir, "replica.db");
    let server = await startTestServer(db);
    await randomWrites(server.store, "eu", 40, 9);
    await server.stop();
    copyFileSync(db, join(dir, "backup.db"));

    server = await startTestServer(db);
    await randomWrites(server.store, "eu", 60, 10);
    const first = open(server, path);
    await assertConverged(first, server);
    const epoch = first.epoch;
    await first.stop();
    await server.stop();

    for (const suffix of ["", "-wal", "-shm"]) rmSync(db + suffix, { force: true });
    copyFileSync(join(dir, "backup.db"), db);
    server = await startTestServer(db);
    const restored = server;
    t.after(() => restored.stop());
    await randomWrites(server.store, "eu", 5, 11);
    const region = await server.store.getVersion("eu");
    assert.equal(region.epoch, epoch, "same epoch: only the head tells the replica is ahead");
    assert.ok(region.version < (first.cursor ?? 0));
    const second = open(server, path);
    t.after(() => second.stop());
    // Its old cursor already passes the head: only the reset tells that it caught up.
    assert.equal((await once<{ cursor: number }>(second, "reset")).cursor, region.version);
    await assertConverged(second, server);
  });

  it("keeps a reset that spans several pages invisible to readers until its last page", async (t) => {
    const dir = tempDir(t);
    const server = await startTestServer(join(dir, "server.db"));
    t.after(() => server.stop());
    const path = join(dir, "replica.db");
    await randomWrites(server.store, "eu", 150, 12);
    const first = open(server, path);
    await assertConverged(first, server);
    const before = replicaRows(first.all());
    await first.stop();

    await randomWrites(server.store, "eu", 150, 13);
    await server.store.compact("eu", { retainVersions: 0 });
    const second = open(server, path, { pageLimit: 10 });
    t.after(() => second.stop());
    const reader = new Database(path, { readonly: true });
    t.after(() => reader.close());
    const readAll = () =>
      replicaRows(
        reader
          .prepare<[], { collection: string; key: string; version: number; value: string }>("SELECT * FROM rows WHERE value IS NOT NULL")
          .all()
          .map((r) => ({ ...r, value: JSON.parse(r.value) })),
      );
    const problems: string[] = [];
    let midReset = 0;
    second.on("page", () => {
      if (!second.resetting) return;
      midReset++;
      if (!isDeepEqual(replicaRows(second.all()), before)) problems.push(`replica API changed during the reset at page ${midReset}`);
      if (!isDeepEqual(readAll(), before)) problems.push(`another connection saw the reset at page ${midReset}`);
    });
    await assertConverged(second, server);
    assert.deepEqual(problems, []);
    assert.ok(midReset >= 3, `the reset spanned ${midReset + 1} pages`);
    assert.deepEqual(readAll(), await liveRows(server.store, "eu", COLLECTIONS));
  });
});

function isDeepEqual(a: unknown, b: unknown): boolean {
  try {
    assert.deepEqual(a, b);
    return true;
  } catch {
    return false;
  }
}
