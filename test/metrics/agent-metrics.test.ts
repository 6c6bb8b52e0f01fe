/** `verso agent --metrics`: the agent's own endpoint follows what it applies. */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { VersoStore } from "../../src/core/store.js";
import { openStore } from "../../src/open-store.js";
import { type RunningServer, startServer } from "../../src/server/serve.js";
import { type Running, startVerso, stopChild } from "../support/child-process.js";

describe("verso agent --metrics", () => {
  const dir = mkdtempSync(join(tmpdir(), "verso-agent-metrics-"));
  let store: VersoStore;
  let server: RunningServer;
  let agent: Running | undefined;
  before(async () => {
    store = await openStore({ path: ":memory:", maintenanceIntervalMs: 0 });
    server = await startServer({ store, port: 0, log: () => {} });
  });
  after(async () => {
    await stopChild(agent);
    await server.stop();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("serves applied version, lag, pages and reconnects", async () => {
    await store.put("eu", "c", "a", 1);
    agent = startVerso([
      "agent",
      "--server",
      server.url,
      "--region",
      "eu",
      "--replica",
      join(dir, "eu.replica"),
      "--metrics",
      "127.0.0.1:0",
      "-o",
      "json",
    ]);
    const url = (await agent.stderr.waitFor(/metrics at (http:\/\/\S+)/, 20_000))[1] ?? "";
    await agent.stdout.waitFor(/"event":"ready","cursor":1/, 20_000);
    await store.put("eu", "c", "b", 2);
    await agent.stdout.waitFor(/"event":"change".*"version":2/);
    const text = await (await fetch(url)).text();
    assert.match(text, /^verso_agent_applied_version\{region="eu"\} 2$/m);
    assert.match(text, /^verso_agent_lag_versions\{region="eu"\} 0$/m);
    assert.match(text, /^verso_agent_pages_total\{region="eu"\} 2$/m);
    assert.match(text, /^verso_agent_reconnects_total\{region="eu"\} 0$/m);
    assert.match(text, /^verso_agent_handler_failures_total\{region="eu"\} 0$/m);
    assert.equal((await fetch(url.replace("/metrics", "/other"))).status, 404);
  });
});
