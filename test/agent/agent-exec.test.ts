import assert from "node:assert/strict";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import Database from "better-sqlite3";
import type { Json } from "../../src/protocol/types.js";
import { AgentProcess } from "./agent-process.js";
import { liveRows, random, startTestServer, tempDir } from "./helpers.js";

interface Handled {
  op: "put" | "del";
  collection: string;
  key: string;
  version: number;
  value?: Json;
}

/**
 * An --exec script that appends the change it handled to `log`. At a version of `killAt`
 * it first kills its agent with SIGKILL (after recording the change, so that change is
 * handled but not known to be); at a version of `failAt` it exits 3 on its first two tries.
 * Either happens once per version (marker files).
 */
function execScript(dir: string, killAt: number[], failAt: number[]): string {
  const script = join(dir, "handle.sh");
  writeFileSync(
    script,
    `line=$(cat)
v=$VERSO_VERSION
for f in ${failAt.join(" ") || "none"}; do
  if [ "$v" = "$f" ]; then
    echo try >> '${dir}/tries-'$v
    [ "$(wc -l < '${dir}/tries-'$v)" -le 2 ] && exit 3
  fi
done
printf '%s\\n' "$line" >> '${dir}/handled.log'
for k in ${killAt.join(" ") || "none"}; do
  if [ "$v" = "$k" ] && [ ! -e '${dir}/killed-'$v ]; then
    : > '${dir}/killed-'$v
    kill -9 $PPID
    exit 1
  fi
done
`,
  );
  // exec: the script's parent must be the agent itself, not a shell in between.
  return `exec sh '${script}'`;
}

/** The agent's exit code, or a failure if it does not exit within `ms`. */
function exitWithin(agent: AgentProcess, ms: number): Promise<number | null> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`the agent did not exit within ${ms} ms: ${agent.stderr.join("")}`)), ms);
  });
  return Promise.race([agent.exited, timeout]).finally(() => clearTimeout(timer));
}

function handledLog(dir: string): Handled[] {
  const path = join(dir, "handled.log");
  if (!existsSync(path)) return [];
  return readFileSync(path, "utf8")
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line) as Handled);
}

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

function journal(path: string): { cursor: number; handled: number; versions: number[] } {
  const db = new Database(path, { readonly: true });
  try {
    const state = db.prepare<[], { cursor: number; handled: number }>("SELECT cursor, handled FROM replica_state").get();
    const rows = db.prepare<[], { change: string }>("SELECT change FROM journal ORDER BY seq").all();
    return {
      cursor: state?.cursor ?? -1,
      handled: state?.handled ?? -1,
      versions: rows.map((r) => (JSON.parse(r.change) as Handled).version),
    };
  } finally {
    db.close();
  }
}

describe("verso agent --exec, at least once", () => {
  it("re-delivers, in version order, the changes applied but not handled when it was killed", async (t) => {
    const dir = tempDir(t);
    const server = await startTestServer(join(dir, "server.db"));
    t.after(() => server.stop());
    const path = join(dir, "replica.db");
    const exec = execScript(dir, [30], []);
    const args = ["--server", server.url, "--region", "eu", "--replica", path, "--transport", "poll", "--page-limit", "20"];
    // 1..100: a first sync (a reset of five pages, delivered as one difference).
    for (let i = 0; i < 100; i++) await server.store.put("eu", "c", `k${i}`, i);

    const first = new AgentProcess([...args, "--exec", exec]);
    t.after(() => first.kill("SIGKILL"));
    await exitWithin(first, 30_000);
    assert.equal(first.child.signalCode, "SIGKILL", "the exec for version 30 killed the agent");
    // The whole reset was applied; 30 (handled but not recorded) to 100 wait in the journal.
    assert.deepEqual(journal(path), { cursor: 100, handled: 29, versions: range(30, 100) });

    // 101..200: overwrites and deletes while no agent runs. The feed keeps the latest state
    // per key, so what the agent will see after 100 is the feed, not every version.
    const next = random(7);
    const live = new Set(range(0, 99).map((i) => `k${i}`));
    for (let i = 0; i < 100; i++) {
      const key = `k${Math.floor(next() * 100)}`;
      if (live.has(key) && next() < 0.3) {
        live.delete(key);
        await server.store.delete("eu", "c", key);
      } else {
        live.add(key);
        await server.store.put("eu", "c", key, { i });
      }
    }
    assert.equal((await server.store.getVersion("eu")).version, 200);
    const feed = (await server.store.changes("eu", { since: 100, limit: 10_000 })).ops.map((op) => ("version" in op ? op.version : 0));
    const killAt = feed[Math.floor(feed.length / 2)] ?? -1;
    execScript(dir, [30, killAt], []);

    const second = new AgentProcess([...args, "--exec", exec]);
    t.after(() => second.kill("SIGKILL"));
    await exitWithin(second, 30_000);
    assert.equal(second.child.signalCode, "SIGKILL", `the exec for version ${killAt} killed the agent`);
    const afterSecond = journal(path);
    // The page holding killAt was applied whole; killAt and what follows it in that page wait.
    assert.ok(afterSecond.cursor >= killAt && afterSecond.cursor < 200, `cursor ${afterSecond.cursor}`);
    assert.deepEqual(
      afterSecond.versions,
      feed.filter((v) => v >= killAt && v <= afterSecond.cursor),
    );

    const third = new AgentProcess([...args, "--exec", exec]);
    t.after(() => third.kill("SIGKILL"));
    await third.until((l) => l.event === "ready" && l.cursor === 200, "ready at 200");
    await server.store.put("eu", "c", "late", "x");
    await third.until((l) => l.event === "change" && l.version === 201, "version 201");
    assert.equal(await third.kill("SIGTERM"), 0);

    const log = handledLog(dir);
    // Each change once, except the two whose handling a kill interrupted, and never out of order.
    assert.deepEqual(
      log.map((h) => h.version),
      [...range(1, 30), ...range(30, 100), ...feed.filter((v) => v <= killAt), ...feed.filter((v) => v >= killAt), 201],
    );
    const folded = new Map<string, { version: number; value: Json }>();
    for (const h of log) {
      if (h.op === "put") folded.set(`${h.collection}/${h.key}`, { version: h.version, value: h.value ?? null });
      else folded.delete(`${h.collection}/${h.key}`);
    }
    assert.deepEqual(folded, await liveRows(server.store, "eu", ["c"]), "the handled changes add up to the server's rows");
    const end = journal(path);
    assert.equal(end.cursor, 201);
    assert.deepEqual(end.versions, [], "the journal is trimmed");
    assert.equal(end.handled, 100 + feed.length + 1, "one journal entry per change, sequence numbers never reused");
  });

  it("retries a failing --exec with backoff, then goes on in order", async (t) => {
    const dir = tempDir(t);
    const server = await startTestServer(join(dir, "server.db"));
    t.after(() => server.stop());
    const path = join(dir, "replica.db");
    for (let i = 0; i < 5; i++) await server.store.put("eu", "c", `k${i}`, i);
    const agent = new AgentProcess([
      ...["--server", server.url, "--region", "eu", "--replica", path, "--transport", "poll", "--page-limit", "2"],
      ...["--exec", execScript(dir, [], [3, 7])],
    ]);
    t.after(() => agent.kill("SIGKILL"));
    await agent.until((l) => l.event === "ready" && l.cursor === 5, "ready at 5");
    for (let i = 5; i < 9; i++) await server.store.put("eu", "c", `k${i}`, i);
    await agent.until((l) => l.event === "ready" && l.cursor === 9, "ready at 9");
    assert.equal(await agent.kill("SIGTERM"), 0);

    assert.deepEqual(
      handledLog(dir).map((h) => h.version),
      range(1, 9),
    );
    for (const v of [3, 7])
      assert.equal(
        readFileSync(join(dir, `tries-${v}`), "utf8")
          .trim()
          .split("\n").length,
        3,
      );
    const failures = agent.stderr.join("").match(/--exec failed for v\d+ c\/k\d+: exit code 3; retrying in \d+ ms/g) ?? [];
    assert.equal(failures.length, 4);
    assert.deepEqual(journal(path).versions, [], "the journal is trimmed");
  });
});
