/**
 * The replica's change feed and watch stream on the agent's listener, over real
 * processes: after puts, deletes and transactions, `/changes` on the agent answers, from
 * nothing and from every cursor and with several page sizes, the very text the server's
 * feed answers; a watch on the listener (followed with the client SDK) receives a write
 * made on the server; an agent whose file was filled by a reset resets a cursor below
 * its floor, and its reads ignore tombstones.
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { VersoClient } from "../../src/client/http-client.js";
import { AgentProcess } from "./agent-process.js";
import { tempDir } from "./helpers.js";
import { freePort, startServerProcess } from "./server-process.js";

async function text(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string; link: string | null }> {
  const response = await fetch(url, { headers });
  return { status: response.status, body: await response.text(), link: response.headers.get("link") };
}

/** Nice value of each thread of a process (Linux: a nice value belongs to a thread). */
function threadNices(pid: number): Map<number, number> {
  const nices = new Map<number, number>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, "utf8");
    // Fields after "(comm)": state is field 3, nice field 19.
    nices.set(Number(tid), Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[16]));
  }
  return nices;
}

async function listening(agent: AgentProcess): Promise<string> {
  const line = (await agent.until((l) => l.event === "listen", "the listener")) as { address?: string };
  return `http://${line.address}`;
}

describe("verso agent --listen: the replica's feed", () => {
  it("answers /changes as the server does, streams /watch, and resets a cursor below its floor", { timeout: 150_000 }, async (t) => {
    const dir = tempDir(t);
    const server = await startServerProcess(join(dir, "server.db"), await freePort());
    t.after(() => server.kill());
    const client = new VersoClient({ server: server.url });

    // Started on a region never written: the agent then holds every version from 0 on.
    const agent = new AgentProcess(["--server", server.url, "--region", "eu", "--replica", join(dir, "a.db"), "--listen", "127.0.0.1:0"]);
    t.after(() => agent.kill("SIGKILL"));
    const base = await listening(agent);
    await agent.until((l) => l.event === "ready", "the agent to sync the empty region");
    if (process.platform === "linux") {
      // The listener's thread runs at niceness 10, the feed loop's (the main thread) as started.
      const pid = agent.child.pid as number;
      const nices = threadNices(pid);
      assert.equal(nices.get(pid), 0, "the main thread keeps its priority");
      assert.equal([...nices.values()].filter((nice) => nice === 10).length, 1, "one thread, the listener's, at 10");
    }

    await client.put("eu", "deployments", "web", { image: "web:1" });
    await client.put("eu", "deployments", "api", { image: "api:1" });
    await client.transact("eu", [
      { op: "put", collection: "gateways", key: "g1", value: { port: 80 } },
      { op: "put", collection: "deployments", key: "tmp", value: 1 },
      { op: "delete", collection: "deployments", key: "api" },
    ]);
    await client.nextVersion("eu");
    await client.delete("eu", "deployments", "tmp");
    await client.put("eu", "deployments", "web", { image: "web:2" });
    const { version: head, epoch } = await client.getVersion("eu");
    assert.equal((await text(`${base}/v1/regions/eu?minVersion=${head}&timeoutMs=10000`)).status, 200);

    for (const protocol of ["1", "2"]) {
      const headers = { "verso-protocol": protocol };
      for (const limit of [1, 2, 1000]) {
        const queries = [
          `limit=${limit}`,
          ...Array.from({ length: head + 1 }, (_, since) => `since=${since}&epoch=${epoch}&limit=${limit}`),
        ];
        for (const query of queries) {
          const path = `/v1/regions/eu/changes?${query}`;
          const [fromServer, fromAgent] = await Promise.all([text(`${server.url}${path}`, headers), text(`${base}${path}`, headers)]);
          assert.equal(fromAgent.status, 200, path);
          assert.equal(fromAgent.body, fromServer.body, `${path} (protocol ${protocol})`);
          // The next page's request too, on a page that says more follows (and only there).
          assert.equal(fromAgent.link, fromServer.link, `${path} (protocol ${protocol}): Link`);
          assert.equal(fromServer.link !== null, JSON.parse(fromServer.body).more, `${path}: Link when more`);
        }
      }
    }
    // The deletes are in the feed; reads ignore their tombstones.
    const deletes = JSON.parse((await text(`${base}/v1/regions/eu/changes?since=0&epoch=${epoch}`)).body);
    assert.deepEqual(
      deletes.ops.filter((op: { op: string }) => op.op === "del").map((op: { key: string }) => op.key),
      ["api", "tmp"],
    );
    assert.equal((await text(`${base}/v1/regions/eu/collections/deployments/rows/tmp`)).status, 404);
    const listed = JSON.parse((await text(`${base}/v1/regions/eu/collections/deployments/rows`)).body);
    assert.deepEqual(
      listed.rows.map((row: { key: string }) => row.key),
      ["web"],
    );

    // A watch on the listener, followed by the client SDK, sees a write made on the server.
    const atAgent = new VersoClient({ server: base });
    const stop = new AbortController();
    t.after(() => stop.abort());
    const events = atAgent.watch("eu", { since: head, epoch, signal: stop.signal });
    const first = await events.next();
    assert.deepEqual(first.value, { type: "progress", head }, "the stream says it is live");
    const { version } = await client.put("eu", "gateways", "g2", { port: 443 });
    const next = await events.next();
    assert.deepEqual(next.value, {
      type: "changes",
      page: {
        region: "eu",
        epoch,
        reset: false,
        ops: [{ op: "put", collection: "gateways", key: "g2", version, value: { port: 443 } }],
        cursor: version,
        head: version,
        more: false,
      },
    });
    stop.abort();

    // A second agent starts after the writes: a reset fills its file, whose floor is that reset's cursor.
    const late = new AgentProcess(["--server", server.url, "--region", "eu", "--replica", join(dir, "b.db"), "--listen", "127.0.0.1:0"]);
    t.after(() => late.kill("SIGKILL"));
    const lateBase = await listening(late);
    const resetPage = (await late.until((l) => l.event === "page" && (l as { reset?: boolean }).reset === true, "the reset page")) as {
      resetRows?: number;
    };
    assert.equal(resetPage.resetRows, 3, "the server's reset page says how many live rows it holds (web, g1, g2)");
    const region = JSON.parse((await text(`${lateBase}/v1/regions/eu?minVersion=${version}&timeoutMs=10000`)).body);
    assert.deepEqual([region.version, region.floor], [version, version]);
    const below = JSON.parse((await text(`${lateBase}/v1/regions/eu/changes?since=${version - 1}&epoch=${epoch}`)).body);
    assert.equal(below.reset, true, "a cursor below the floor is reset, never served with a gap");
    assert.deepEqual(below.ops[0], { op: "clear" });
    assert.deepEqual(below, JSON.parse((await text(`${server.url}/v1/regions/eu/changes`)).body), "the reset is the server's");
    const stopLate = new AbortController();
    t.after(() => stopLate.abort());
    const watched = new VersoClient({ server: lateBase }).watch("eu", { since: 1, epoch, signal: stopLate.signal });
    const resetEvent = await watched.next();
    assert.equal(resetEvent.value?.type === "changes" && resetEvent.value.page.reset, true, "a watch below the floor starts with a reset");
    stopLate.abort();
    const atFloor = JSON.parse((await text(`${lateBase}/v1/regions/eu/changes?since=${version}&epoch=${epoch}`)).body);
    assert.deepEqual([atFloor.reset, atFloor.ops], [false, []]);
  });
});
