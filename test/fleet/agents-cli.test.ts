/** `verso agents`: the fleet as a table and as JSON, narrowed to a region. */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { VersoClient } from "../../src/client/http-client.js";
import type { VersoStore } from "../../src/core/store.js";
import { openStore } from "../../src/open-store.js";
import { type RunningServer, startServer } from "../../src/server/serve.js";
import { runCli } from "../support/child-process.js";
import { type TranspiledBin, transpiledBin } from "../support/transpiled-bin.js";

describe("verso agents", () => {
  let store: VersoStore;
  let server: RunningServer;
  let built: TranspiledBin | undefined;
  const verso = (args: string[]) => runCli(args, { env: { VERSO_SERVER: server.url }, bin: built?.bin ?? "" });

  before(async () => {
    store = await openStore({ path: ":memory:", maintenanceIntervalMs: 0 });
    server = await startServer({ store, port: 0, log: () => {} });
    built = await transpiledBin();
    const client = new VersoClient({ server: server.url });
    await client.put("eu", "c", "k1", 1);
    await client.put("eu", "c", "k2", 2);
    await client.reportAgent("eu", "agt_1", { applied: 1, name: "edge-1", transport: "watch", handled: 1 });
    await client.reportAgent("us", "agt_2", { applied: 0, transport: "poll" });
  });
  after(async () => {
    await server?.stop();
    await store?.close();
    built?.remove();
  });

  it("prints every agent as a table, or one region's as JSON", async () => {
    const all = await verso(["agents"]);
    assert.equal(all.code, 0, all.stderr);
    const lines = all.stdout.trim().split("\n");
    assert.match(
      lines[0] ?? "",
      /^REGION\s+ID\s+NAME\s+STATE\s+APPLIED\s+HANDLED\s+HEAD\s+LAG\s+LAG\(S\)\s+LAST SEEN\s+TRANSPORT\s+TOKEN$/,
    );
    assert.match(lines[1] ?? "", /^eu\s+agt_1\s+edge-1\s+live\s+1\s+1\s+2\s+1\s+\d+\.\d\s+\S+Z\s+watch\s+-$/);
    assert.match(lines[2] ?? "", /^us\s+agt_2\s+-\s+live\s+0\s+-\s+0\s+0\s+0\.0\s+\S+Z\s+poll\s+-$/);

    const eu = await verso(["agents", "--region", "eu", "-o", "json"]);
    assert.equal(eu.code, 0, eu.stderr);
    const { agents } = JSON.parse(eu.stdout);
    assert.equal(agents.length, 1);
    assert.equal(agents[0].id, "agt_1");
    assert.equal(agents[0].lagVersions, 1);
  });
});
