/**
 * Faults with real processes: a server and three agents run as children; a writer makes
 * thousands of single-op writes over three regions while the server is killed with
 * SIGKILL and restarted on the same port several times, and one agent is killed and
 * restarted. At the end every replica equals the server's live rows.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { join } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import { VersoClient } from "../../src/client/http-client.js";
import { NotFoundError } from "../../src/protocol/errors.js";
import { freePort } from "../support/free-port.js";
import { AgentProcess, strictlyIncreasing } from "./agent-process.js";
import { random, replicaRows, type Snapshot, tempDir } from "./helpers.js";

const RUNNER = fileURLToPath(new URL("./run-verso.ts", import.meta.url));
const REGIONS = ["eu", "us", "ap"] as const;
const WRITES = 3_000;
const SERVER_KILLS = 4;

function startServerProcess(db: string, port: number) {
  const child = spawn(
    process.execPath,
    // Request lines are not needed here and would only add to the load of thousands of writes.
    ["--import", "tsx", RUNNER, "serve", "--db", db, "--port", String(port), "--synchronous", "normal", "--log-level", "warn"],
    {
      stdio: ["ignore", "ignore", "pipe"],
    },
  );
  let text = "";
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
    text += chunk;
  });
  const died = new Promise<never>((_, reject) =>
    child.once("exit", (code) => reject(new Error(`server exited (${code}) before listening: ${text}`))),
  );
  died.catch(() => {});
  const listening = (async () => {
    for (;;) {
      const up = await fetch(`http://127.0.0.1:${port}/healthz`).then(
        (r) => r.ok,
        () => false,
      );
      if (up) return;
      await Promise.race([new Promise((resolve) => setTimeout(resolve, 50)), died]);
    }
  })();
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  return { child, listening, exited };
}

async function serverRows(client: VersoClient, region: string): Promise<Map<string, Snapshot>> {
  const rows = new Map<string, Snapshot>();
  let after: string | undefined;
  for (;;) {
    const list = await client.list(region, "c", { limit: 10_000, ...(after !== undefined && { after }) });
    for (const row of list.rows) rows.set(`c/${row.key}`, { version: row.version, value: row.value });
    if (list.next === null) return rows;
    after = list.next;
  }
}

function replicaFile(path: string): Map<string, Snapshot> {
  const db = new Database(path, { readonly: true });
  try {
    const rows = db
      .prepare<[], { collection: string; key: string; version: number; value: string }>("SELECT * FROM rows WHERE value IS NOT NULL")
      .all();
    return replicaRows(rows.map((r) => ({ ...r, value: JSON.parse(r.value) })));
  } finally {
    db.close();
  }
}

describe("faults with real processes", () => {
  it("agents end equal to the server across server SIGKILLs and an agent SIGKILL", { timeout: 90_000 }, async (t) => {
    const dir = tempDir(t);
    const port = await freePort();
    const db = join(dir, "server.db");
    let server = startServerProcess(db, port);
    t.after(() => server.child.kill("SIGKILL"));
    await server.listening;
    const url = `http://127.0.0.1:${port}`;

    const agentArgs = (region: string, transport?: string) => [
      "--server",
      url,
      "--region",
      region,
      "--replica",
      join(dir, `${region}.db`),
      "--page-limit",
      "50",
      ...(transport ? ["--transport", transport] : []),
    ];
    // The third agent keeps the default transport: it streams from the watch endpoint across the kills.
    const agents = new Map<string, AgentProcess[]>(
      REGIONS.map((r, i) => [r, [new AgentProcess(agentArgs(r, i < 2 ? "poll" : undefined))]]),
    );
    t.after(() => Promise.all([...agents.values()].flat().map((a) => a.kill("SIGKILL"))));

    // The writer: single-op writes with explicit idempotency keys, retried until acknowledged.
    const client = new VersoClient({ server: url, retries: 2, backoffMs: 50 });
    const next = random(7);
    const live = new Map<string, Set<string>>(REGIONS.map((r) => [r, new Set()]));
    let written = 0;
    let retried = 0;
    async function writeOne(n: number): Promise<void> {
      const region = REGIONS[n % REGIONS.length] ?? "eu";
      const keys = live.get(region) ?? new Set<string>();
      const key = `k${Math.floor(next() * 80)}`;
      const del = keys.has(key) && next() < 0.3;
      if (del) keys.delete(key);
      else keys.add(key);
      const idempotencyKey = `w-${n}`;
      // Built once: a retry must resend the same request, or a write that committed before
      // a kill would answer 422 idempotency_key_reused for ever.
      const value = { n, at: Date.now() };
      for (;;) {
        try {
          if (del) await client.delete(region, "c", key, { idempotencyKey });
          else await client.put(region, "c", key, value, { idempotencyKey });
          written++;
          return;
        } catch (error) {
          if (error instanceof NotFoundError) throw error;
          retried++;
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      }
    }
    const writer = (async () => {
      const lanes = 4;
      let n = 0;
      await Promise.all(
        Array.from({ length: lanes }, async () => {
          while (n < WRITES) await writeOne(n++);
        }),
      );
    })();

    // Faults while the writer runs: server SIGKILLs on the same port, and one agent SIGKILL + restart.
    let agentKilledAt = -1;
    for (let kill = 0; kill < SERVER_KILLS; kill++) {
      const target = ((kill + 1) * WRITES) / (SERVER_KILLS + 1);
      while (written < target) await new Promise((resolve) => setTimeout(resolve, 20));
      if (kill === 1) {
        const [victim] = agents.get("us") ?? [];
        await victim?.kill("SIGKILL");
        agentKilledAt = written;
      }
      server.child.kill("SIGKILL");
      await server.exited;
      server = startServerProcess(db, port);
      await server.listening;
      if (kill === 2) agents.get("us")?.push(new AgentProcess(agentArgs("us", "poll")));
    }
    await writer;
    assert.ok(agentKilledAt > 0 && retried > 0, "the faults hit while writing");
    t.diagnostic(`${written} writes, ${retried} retried across ${SERVER_KILLS} server kills; agent killed after ${agentKilledAt}`);

    for (const region of REGIONS) {
      const head = (await client.getVersion(region)).version;
      const runs = agents.get(region) ?? [];
      const last = runs.at(-1);
      assert.ok(last);
      await last.until(
        (l) => (l.event === "change" && l.version === head) || ((l.event === "ready" || l.event === "page") && l.cursor === head),
        `${region} agent at head ${head}`,
        60_000,
      );
      for (const agent of runs) await agent.kill("SIGTERM");
      assert.deepEqual(replicaFile(join(dir, `${region}.db`)), await serverRows(client, region), `replica of ${region}`);
      const versions = runs.flatMap((a) => a.changes.map((l) => l.version ?? -1));
      assert.ok(strictlyIncreasing(versions), `${region}: versions strictly increasing across runs`);
      assert.ok(versions.length > 0);
    }

    // The restarted agent continued from its own cursor: no reset, nothing at or below it again.
    const [killed, restarted] = agents.get("us") ?? [];
    assert.ok(killed && restarted);
    const start = restarted.lines.find((l) => l.event === "start")?.cursor ?? -1;
    assert.ok(start >= (killed.changes.at(-1)?.version ?? Number.POSITIVE_INFINITY), "it restarted where it was");
    const pages = restarted.lines.filter((l) => l.event === "page") as Array<{ ops?: number; reset?: boolean }>;
    assert.equal(pages.filter((p) => p.reset).length, 0, "no reset after the restart");
    assert.ok(restarted.changes.every((l) => (l.version ?? 0) > start));
    const received = pages.reduce((sum, p) => sum + (p.ops ?? 0), 0);
    const head = (await client.getVersion("us")).version;
    t.diagnostic(`restarted agent: cursor ${start}, received ${received} ops in ${pages.length} pages up to head ${head}`);
    assert.ok(received <= head - start, `fetched ${received} ops for ${head - start} versions it lacked`);
    assert.ok(!agents.get("ap")?.[0]?.stderr.join("").includes("no watch endpoint"), "the default agent kept the watch stream");

    server.child.kill("SIGTERM");
    await server.exited;
  });
});
