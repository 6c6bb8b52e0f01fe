/**
 * The fleet story, run over each backend: real servers and real replicas reporting over
 * HTTP, the server's clock skewed forward by the test so staleness and lag in seconds
 * are reached without waiting. One agent stays caught up, one is paused by a handler
 * that does not return, one is stopped (a kill: it never reports again), and with
 * PostgreSQL one reports to another node and is listed by the first.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { openReplica, type Replica } from "../../src/agent/replica.js";
import { VersoClient } from "../../src/client/http-client.js";
import type { VersoStore } from "../../src/core/store.js";
import type { AgentInfo } from "../../src/protocol/agents.js";
import { type RunningServer, startServer } from "../../src/server/serve.js";

export interface Clock {
  now: () => number;
  advance: (ms: number) => void;
}

export function skewedClock(): Clock {
  let skew = 0;
  return { now: () => Date.now() + skew, advance: (ms) => (skew += ms) };
}

export interface FleetNodes {
  /** Stores over one database; the story starts a server on each. Every store uses `clock.now`. */
  stores: VersoStore[];
  clock: Clock;
  dir: string;
}

const REGION = "eu";

export async function eventually<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = await probe();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export async function fleetStory({ stores, clock, dir }: FleetNodes): Promise<void> {
  const servers: RunningServer[] = [];
  const replicas: Replica[] = [];
  let release = () => {};
  const gate = new Promise<void>((resolve) => (release = resolve));
  try {
    for (const store of stores) {
      servers.push(
        await startServer({
          store,
          port: 0,
          log: () => {},
          now: clock.now,
          agents: { staleAfterMs: 60_000, behindAfterMs: 5_000, flushMs: 20 },
        }),
      );
    }
    const first = servers[0] as RunningServer;
    const client = new VersoClient({ server: first.url, retries: 0 });
    const agents = async (): Promise<Map<string, AgentInfo>> => new Map((await client.agents(REGION)).map((a) => [a.name ?? a.id, a]));
    const until = (what: string, test: (found: Map<string, AgentInfo>) => boolean) =>
      eventually(what, async () => {
        const found = await agents();
        return test(found) ? found : undefined;
      });
    const replica = (name: string, url: string, extra: Partial<Parameters<typeof openReplica>[0]> = {}) => {
      const r = openReplica({ server: url, region: REGION, path: join(dir, `${name}.replica`), name, statusIntervalMs: 50, ...extra });
      replicas.push(r);
      return r;
    };

    for (let i = 1; i <= 3; i++) await client.put(REGION, "deployments", `d${i}`, { i });
    const caughtUp = replica("caught-up", first.url);
    const paused = replica("paused", first.url, {
      onChange: () => gate,
    });
    const killed = replica("killed", first.url, { transport: "poll", waitMs: 1_000 });
    await Promise.all([caughtUp.waitFor(3), paused.waitFor(3), killed.waitFor(3)]);
    let seen = await until("three agents at version 3", (f) => f.size === 3 && [...f.values()].every((a) => a.applied === 3));
    for (const agent of seen.values()) {
      assert.equal(agent.state, "live", `${agent.name} is live once caught up`);
      assert.equal(agent.lagVersions, 0);
      assert.equal(agent.lagSeconds, 0);
      assert.equal(agent.head, 3);
      assert.equal(agent.region, REGION);
    }
    assert.equal(seen.get("caught-up")?.transport, "watch");
    assert.equal(seen.get("killed")?.transport, "poll");
    assert.equal(seen.get("caught-up")?.handled, null, "no handler, nothing handled to report");
    assert.equal(seen.get("paused")?.handled, 0, "the paused handler has not finished the first change");
    assert.equal(seen.get("caught-up")?.id, caughtUp.agentId);

    // The killed agent stops for good; the paused one holds its feed; two more versions arrive.
    await killed.stop();
    const writtenAt = clock.now();
    await client.put(REGION, "deployments", "d4", { i: 4 });
    await client.put(REGION, "deployments", "d5", { i: 5 });
    await caughtUp.waitFor(5);
    clock.advance(10_000);
    seen = await until(
      "the caught-up agent at 5 after the skew",
      (f) => f.get("caught-up")?.applied === 5 && Date.parse(f.get("caught-up")?.lastSeen ?? "") >= writtenAt + 10_000,
    );
    assert.equal(seen.get("caught-up")?.state, "live");
    const pausedNow = seen.get("paused");
    assert.equal(pausedNow?.state, "behind", "the paused agent lacks a change written 10 s ago");
    assert.equal(pausedNow?.applied, 3);
    assert.equal(pausedNow?.lagVersions, 2);
    assert.ok((pausedNow?.lagSeconds ?? 0) >= 10 && (pausedNow?.lagSeconds ?? 0) < 30, `lag ${pausedNow?.lagSeconds} s`);
    const killedNow = seen.get("killed");
    assert.equal(killedNow?.state, "behind", "silent for 10 s only: behind, not yet stale");
    assert.equal(killedNow?.lagVersions, 2);

    clock.advance(60_000);
    seen = await until(
      "reports after a minute's skew",
      (f) =>
        Date.parse(f.get("caught-up")?.lastSeen ?? "") >= writtenAt + 70_000 &&
        Date.parse(f.get("paused")?.lastSeen ?? "") >= writtenAt + 70_000,
    );
    assert.equal(seen.get("killed")?.state, "stale", "silent for over a minute");
    assert.equal(seen.get("caught-up")?.state, "live");
    assert.equal(seen.get("paused")?.state, "behind");
    assert.ok((seen.get("killed")?.lagSeconds ?? 0) >= 70);

    // Released, the paused agent catches up and is live again.
    release();
    await paused.waitFor(5);
    seen = await until("the released agent caught up", (f) => f.get("paused")?.applied === 5 && f.get("paused")?.handled === 5);
    assert.equal(seen.get("paused")?.state, "live");
    assert.equal(seen.get("paused")?.lagVersions, 0);

    // With several nodes, an agent reporting to another node is listed by the first.
    const other = servers[1];
    if (other) {
      const elsewhere = replica("elsewhere", other.url);
      await elsewhere.waitFor(5);
      seen = await until("the agent of another node", (f) => f.get("elsewhere")?.applied === 5);
      assert.equal(seen.get("elsewhere")?.state, "live");
    }

    // Forgetting removes an agent (the stopped one stays gone: it no longer reports).
    const forgotten = await client.forgetAgent(killedNow?.id ?? "");
    assert.deepEqual(forgotten, { id: killedNow?.id, forgotten: true });
    assert.equal((await agents()).has("killed"), false);
  } finally {
    release();
    for (const r of replicas) await r.stop().catch(() => {});
    for (const server of servers) await server.stop();
  }
}
