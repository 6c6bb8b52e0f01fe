/**
 * Invariant 5 (nothing acknowledged is lost across kill -9) and invariant 3 (retries
 * replay the first answer, also after a restart), against a real server process.
 * Concurrent clients write with Idempotency-Keys; the server is killed with SIGKILL
 * after a number of acknowledgements, restarted on the same file, and checked.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { isDeepStrictEqual } from "node:util";
import { type ChildServer, startChildServer, stopChild } from "../support/child-process.js";
import { allRows, call, type Reply } from "../support/http.js";
import { COLLECTIONS, Promises, type RowState, rowId, type Write, WriteClient } from "./write-model.js";

const REGIONS = ["crash-a", "crash-b"];
/** Acknowledgements after which each round's server is killed. */
const KILL_AFTER = [150, 60, 240, 100];

function send(url: string, write: Write): Promise<Reply> {
  return call(url, write.method, write.path, {
    headers: { "idempotency-key": write.idempotencyKey },
    ...(write.body !== undefined && { body: write.body }),
  });
}

/** Commits on the event loop, and on the writer thread (acknowledged from another thread's commit). */
const VARIANTS = [[], ["--writer-thread"]];

for (const flags of VARIANTS)
  describe(`kill -9 of the server${flags.length > 0 ? ` (${flags.join(" ")})` : ""}`, () => {
    const dir = mkdtempSync(join(tmpdir(), "verso-kill9-"));
    const db = join(dir, "verso.db");
    let server: ChildServer | undefined;
    after(async () => {
      await stopChild(server);
      rmSync(dir, { recursive: true, force: true });
    });

    it("loses nothing acknowledged, half-applies nothing, and replays every Idempotency-Key", { timeout: 60_000 }, async (t) => {
      const promises = new Promises();
      const clients = [
        new WriteClient(0, "put", "crash-a"),
        new WriteClient(1, "put", "crash-b"),
        new WriteClient(2, "txn", "crash-a"),
        new WriteClient(3, "txn", "crash-b"),
        new WriteClient(4, "next-version", "crash-a"),
        new WriteClient(5, "next-version", "crash-b"),
      ];
      let pending: Write[] = [];

      for (const [round, killAfter] of KILL_AFTER.entries()) {
        server = await startChildServer(["--db", db, ...flags]);
        // The variant is the one asked for: the start line names the writer thread only when it commits there.
        assert.equal(/synchronous=\w+, writer thread/.test(server.log()), flags.includes("--writer-thread"), server.log());
        const url = server.url;
        await settle(url, promises, pending, (line) =>
          t.diagnostic(`${round === 0 ? "first start" : `restart after kill ${round}`}: ${line}`),
        );
        await replayAll(url, promises);

        const running = server;
        pending = await stream(url, clients, promises, killAfter, () => running.child.kill("SIGKILL"));
        const exit = await running.exited;
        assert.equal(exit.signal, "SIGKILL", "the server must have died from the kill, not by itself");
        assert.equal(pending.length, clients.length, "every client had one write cut off by the kill");
      }

      server = await startChildServer(["--db", db, ...flags]);
      await settle(server.url, promises, pending, (line) => t.diagnostic(`restart after kill ${KILL_AFTER.length}: ${line}`));
      await replayAll(server.url, promises);
      t.diagnostic(`${promises.acked.length} acknowledged writes checked over ${KILL_AFTER.length} kills`);
    });
  });

/**
 * Sends writes from every client concurrently (each client one at a time) and calls
 * `kill` at the `killAfter`-th acknowledgement. Resolves with the write each client
 * had in flight when its connection failed: sent, never acknowledged.
 */
async function stream(url: string, clients: WriteClient[], promises: Promises, killAfter: number, kill: () => void): Promise<Write[]> {
  let acks = 0;
  const cutOff: Write[] = [];
  await Promise.all(
    clients.map(async (client) => {
      for (;;) {
        const write = client.next();
        let reply: Reply;
        try {
          reply = await send(url, write);
        } catch {
          cutOff.push(write);
          return;
        }
        if (reply.status !== 200) {
          kill();
          assert.fail(`${write.method} ${write.path} answered ${reply.status} ${JSON.stringify(reply.body)}`);
        }
        promises.acknowledge(write, reply.body.version, reply.body);
        if (++acks === killAfter) kill();
      }
    }),
  );
  return cutOff;
}

/**
 * After a restart: every promise holds; each cut-off write is wholly present or wholly
 * absent; retrying it replays exactly when it was present. Then it counts as acknowledged.
 */
async function settle(url: string, promises: Promises, cutOff: Write[], note: (line: string) => void): Promise<void> {
  const actual = new Map<string, RowState>();
  for (const region of REGIONS) {
    for (const collection of COLLECTIONS) {
      for (const row of await allRows(url, region, collection)) {
        actual.set(rowId(region, collection, row.key), { value: row.value as RowState["value"], version: row.version });
      }
    }
  }
  const expected = new Map(promises.rows);
  const present = new Map<Write, number>();
  for (const write of cutOff) {
    const marker = write.effects[0];
    if (!marker) continue;
    const found = actual.get(rowId(write.region, marker.collection, marker.key));
    if (!found || !isDeepStrictEqual(found.value, marker.value)) continue;
    present.set(write, found.version);
    for (const e of write.effects) {
      const id = rowId(write.region, e.collection, e.key);
      const before = promises.rows.get(id);
      if (before) assert.ok(found.version > before.version, `${id}: the cut-off write must come after the acknowledged one`);
      // Every other change of a present write must be there too, at the same version.
      expected.set(id, e.value === null ? null : { value: e.value, version: found.version });
    }
  }
  for (const id of new Set([...expected.keys(), ...actual.keys()])) {
    assert.deepEqual(actual.get(id) ?? null, expected.get(id) ?? null, `row ${id} after restart`);
  }

  const heads = new Map<string, number>();
  for (const region of REGIONS) {
    const { body } = await call(url, "GET", `/v1/regions/${region}`);
    heads.set(region, body.version);
    assert.ok(body.version >= (promises.heads.get(region) ?? 0), `region ${region} at ${body.version} lost acknowledged versions`);
  }
  for (const [write, version] of present) assert.ok(version <= (heads.get(write.region) ?? 0));

  for (const write of cutOff) {
    const head = heads.get(write.region) ?? 0;
    const reply = await send(url, write);
    assert.equal(reply.status, 200, `retry of ${write.idempotencyKey}: ${JSON.stringify(reply.body)}`);
    const replayed = reply.headers.get("idempotency-replayed") === "true";
    if (write.effects.length > 0) {
      assert.equal(replayed, present.has(write), `retry of ${write.idempotencyKey} replays exactly when the write was applied`);
      if (replayed) assert.equal(reply.body.version, present.get(write));
    }
    if (replayed) assert.ok(reply.body.version <= head);
    else {
      assert.equal(reply.body.version, head + 1, "a write applied only now takes the next version");
      heads.set(write.region, head + 1);
    }
    promises.acknowledge(write, reply.body.version, reply.body);
  }
  note(`${cutOff.length} writes cut off, ${present.size} of them had been applied`);
}

/** Every acknowledged write sent again: the first answer comes back and nothing changes. */
async function replayAll(url: string, promises: Promises): Promise<void> {
  const headsBefore = await Promise.all(REGIONS.map(async (r) => (await call(url, "GET", `/v1/regions/${r}`)).body.version));
  const queue = [...promises.acked];
  const worker = async () => {
    for (let write = queue.shift(); write; write = queue.shift()) {
      const reply = await send(url, write);
      assert.equal(reply.status, 200);
      assert.equal(reply.headers.get("idempotency-replayed"), "true", `${write.idempotencyKey} must replay`);
      assert.deepEqual(reply.body, write.acked?.body, `${write.idempotencyKey} replays its first answer`);
    }
  };
  await Promise.all([worker(), worker(), worker(), worker()]);
  const headsAfter = await Promise.all(REGIONS.map(async (r) => (await call(url, "GET", `/v1/regions/${r}`)).body.version));
  assert.deepEqual(headsAfter, headsBefore, "replays take no versions");
}
