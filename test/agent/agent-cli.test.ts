import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import Database from "better-sqlite3";
import type { VersoStore } from "../../src/core/store.js";
import { AgentProcess, strictlyIncreasing } from "./agent-process.js";
import { liveRows, random, replicaRows, startTestServer, tempDir } from "./helpers.js";

function readReplica(path: string) {
  const db = new Database(path, { readonly: true });
  try {
    return replicaRows(
      db
        .prepare<[], { collection: string; key: string; version: number; value: string }>("SELECT * FROM rows WHERE value IS NOT NULL")
        .all()
        .map((r) => ({ ...r, value: JSON.parse(r.value) })),
    );
  } finally {
    db.close();
  }
}

/** One op per version: puts, and deletes of keys known to exist. */
async function write(store: VersoStore, next: () => number, live: Set<string>): Promise<number> {
  const key = `k${Math.floor(next() * 60)}`;
  if (live.has(key) && next() < 0.3) {
    live.delete(key);
    return (await store.delete("eu", "c", key)).version;
  }
  live.add(key);
  return (await store.put("eu", "c", key, { n: Math.floor(next() * 1000) })).version;
}

describe("verso agent process", () => {
  it("survives kill -9: restarts from its cursor, ends equal to the server, versions in order", async (t) => {
    const dir = tempDir(t);
    const server = await startTestServer(join(dir, "server.db"));
    t.after(() => server.stop());
    const path = join(dir, "replica.db");
    const args = ["--server", server.url, "--region", "eu", "--replica", path, "--transport", "poll", "--page-limit", "20"];
    const next = random(42);
    const live = new Set<string>();
    for (let i = 0; i < 300; i++) await write(server.store, next, live);

    const first = new AgentProcess(args);
    t.after(() => first.kill("SIGKILL"));
    await first.until((l) => l.event === "change" && (l.version ?? 0) >= 150, "the first agent to apply version 150");
    // Keep writing while the agent runs, then kill it in the middle of that.
    for (let i = 0; i < 100; i++) await write(server.store, next, live);
    await first.kill("SIGKILL");
    const printedBefore = first.changes.map((l) => l.version ?? -1);
    for (let i = 0; i < 100; i++) await write(server.store, next, live);

    const second = new AgentProcess(args);
    t.after(() => second.kill("SIGKILL"));
    for (let i = 0; i < 100; i++) await write(server.store, next, live);
    const head = (await server.store.getVersion("eu")).version;
    await second.until((l) => (l.event === "change" && l.version === head) || (l.event === "ready" && l.cursor === head), "head");
    assert.equal(await second.kill("SIGTERM"), 0);

    const after = second.changes.map((l) => l.version ?? -1);
    assert.ok(strictlyIncreasing(printedBefore) && strictlyIncreasing(after), "each run's change log rises strictly");
    // Changes applied but not yet delivered when the kill came are delivered again (at least once).
    const repeated = after.filter((v) => v <= (printedBefore.at(-1) ?? -1));
    assert.ok(
      repeated.every((v) => printedBefore.includes(v)),
      "a change repeated after the kill is one the first run had printed",
    );
    assert.ok(printedBefore.length > 0 && second.changes.length > 0);
    const start = second.lines.find((l) => l.event === "start");
    assert.ok((start?.cursor ?? 0) >= (printedBefore.at(-1) ?? Number.POSITIVE_INFINITY), "restarted at or after what it printed");
    assert.deepEqual(readReplica(path), await liveRows(server.store, "eu", ["c"]));
  });

  it("runs --exec for each change in order with the change as JSON on stdin", async (t) => {
    const dir = tempDir(t);
    const server = await startTestServer(join(dir, "server.db"));
    t.after(() => server.stop());
    const log = join(dir, "exec.log");
    for (let i = 0; i < 10; i++) await server.store.put("eu", "c", `k${i}`, i);
    await server.store.delete("eu", "c", "k3");
    const agent = new AgentProcess([
      "--server",
      server.url,
      "--region",
      "eu",
      "--replica",
      join(dir, "replica.db"),
      "--transport",
      "poll",
      "--exec",
      `cat >> '${log}'`,
    ]);
    t.after(() => agent.kill("SIGKILL"));
    await agent.until((l) => l.event === "ready", "ready");
    await server.store.put("eu", "c", "k0", "again");
    await agent.until((l) => l.event === "change" && l.version === 12, "version 12");
    await agent.kill("SIGTERM");
    const execs = readFileSync(log, "utf8")
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as { op: string; key: string; version: number; value?: unknown });
    assert.deepEqual(
      execs.map((e) => `${e.op} ${e.key}@${e.version}`),
      [...[0, 1, 2, 4, 5, 6, 7, 8, 9].map((i) => `put k${i}@${i + 1}`), "put k0@12"],
    );
    assert.equal(execs.at(-1)?.value, "again");
  });
});
