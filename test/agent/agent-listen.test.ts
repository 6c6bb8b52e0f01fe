/**
 * Reads at the edge over real processes: a server and `verso agent --listen` as children.
 * A read with the write's version as `minVersion` sees the write; one beyond the head
 * times out with 504 within a second; with the server gone the agent keeps answering and
 * says it is stale; killed with SIGKILL and restarted, it answers from its file at once.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, it } from "node:test";
import { VersoClient } from "../../src/client/http-client.js";
import { AgentProcess } from "./agent-process.js";
import { tempDir } from "./helpers.js";
import { freePort, startServerProcess } from "./server-process.js";

interface Answer {
  status: number;
  body: Record<string, unknown> & { error?: { code: string; message: string } };
  headers: Headers;
}

async function request(url: string, init: RequestInit = {}): Promise<Answer> {
  const response = await fetch(url, init);
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as Answer["body"]) : {}, headers: response.headers };
}

async function listening(agent: AgentProcess): Promise<string> {
  const line = (await agent.until((l) => l.event === "listen", "the listener")) as { address?: string };
  return `http://${line.address}`;
}

describe("verso agent --listen", () => {
  it("serves barrier reads, keeps serving without its server, and after SIGKILL from its file", { timeout: 150_000 }, async (t) => {
    const dir = tempDir(t);
    const server = await startServerProcess(join(dir, "server.db"), await freePort());
    t.after(() => server.kill());
    const client = new VersoClient({ server: server.url });
    await client.put("eu", "deployments", "web", { image: "web:1" });

    const args = ["--server", server.url, "--region", "eu", "--replica", join(dir, "replica.db"), "--listen", "127.0.0.1:0"];
    const agent = new AgentProcess(args);
    t.after(() => agent.kill("SIGKILL"));
    const base = await listening(agent);
    const row = `${base}/v1/regions/eu/collections/deployments/rows/web`;

    const { version } = await client.put("eu", "deployments", "web", { image: "web:2" });
    const fresh = await request(`${row}?minVersion=${version}&timeoutMs=5000`);
    assert.equal(fresh.status, 200);
    assert.deepEqual(fresh.body, { key: "web", version, value: { image: "web:2" } });
    assert.equal(fresh.headers.get("etag"), `"${version}"`);
    assert.equal(fresh.headers.get("verso-protocol"), "1");

    const region = await request(`${base}/v1/regions/eu?minVersion=${version}`);
    assert.equal(region.body.version, version);
    assert.equal(region.body.lagVersions, 0);

    const head = (await client.getVersion("eu")).version;
    const started = performance.now();
    const late = await request(`${row}?minVersion=${head + 5}&timeoutMs=200`);
    const elapsed = performance.now() - started;
    assert.equal(late.status, 504);
    assert.equal(late.body.error?.code, "consistency_timeout");
    assert.deepEqual([late.body.minVersion, late.body.version], [head + 5, head]);
    assert.ok(elapsed >= 190 && elapsed < 1000, `answered in ${elapsed} ms`);

    const write = await request(row, { method: "PUT", body: "{}" });
    assert.equal(write.status, 405);
    assert.equal(write.body.error?.code, "method_not_allowed");
    assert.match(write.body.error?.message ?? "", new RegExp(server.url.replace(/[.]/g, "\\.")));
    const other = await request(`${base}/v1/regions/us/collections/deployments/rows/web`);
    assert.equal(other.status, 404);
    assert.equal(other.body.error?.code, "not_found");
    const protocol = await request(row, { headers: { "verso-protocol": "9" } });
    assert.equal(protocol.status, 400);
    assert.equal(protocol.body.error?.code, "unsupported_protocol_version");
    const healthy = await request(`${base}/healthz`);
    assert.equal(healthy.body.connected, true);
    assert.equal(healthy.body.stale, false);

    await server.kill();
    await agent.until(() => agent.stderr.join("").includes("disconnected"), "the agent to notice the server is gone");
    const stale = await request(`${base}/healthz`);
    assert.deepEqual([stale.body.connected, stale.body.stale, stale.body.version], [false, true, version]);
    const served = await request(row);
    assert.deepEqual(served.body, { key: "web", version, value: { image: "web:2" } });

    await agent.kill("SIGKILL");
    const restarted = new AgentProcess(args);
    t.after(() => restarted.kill("SIGKILL"));
    const again = await listening(restarted);
    const fromFile = await request(`${again}/v1/regions/eu/collections/deployments/rows/web?minVersion=${version}&timeoutMs=0`);
    assert.equal(fromFile.status, 200);
    assert.deepEqual(fromFile.body, { key: "web", version, value: { image: "web:2" } });
    const list = await request(`${again}/v1/regions/eu/collections/deployments/rows`);
    assert.deepEqual(list.body, { rows: [{ key: "web", version, value: { image: "web:2" } }], next: null });
  });
});
