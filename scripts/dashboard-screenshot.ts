/**
 * Makes docs/images/dashboard.png: a server with three regions, agents in each state
 * (reports sent as real agents send them), and the row browser open on one collection.
 *
 *   node --import tsx scripts/dashboard-screenshot.ts [OUT.png]
 */
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { VersoClient } from "../src/client/http-client.js";
import { type ChildServer, REPO_ROOT, startChildServer, stopChild } from "../test/support/child-process.js";
import { launchChromium } from "../test/support/chromium.js";

const out = process.argv[2] ?? join(REPO_ROOT, "docs", "images", "dashboard.png");
const dir = mkdtempSync(join(tmpdir(), "verso-screenshot-"));
let server: ChildServer | undefined;
const browser = await launchChromium();
try {
  server = await startChildServer([
    ...["--db", join(dir, "server.db"), "--synchronous", "normal"],
    ...["--agent-stale-after", "3s", "--agent-behind-after", "1s"],
  ]);
  const client = new VersoClient({ server: server.url });
  const images = ["web:1.4.2", "api:2.0.1", "worker:0.9.7", "gateway:3.1.0"];
  for (const [i, image] of images.entries()) {
    const name = image.slice(0, image.indexOf(":"));
    await client.put("eu-west-1", "deployments", name, { image, replicas: 2 + i, paused: false });
    await client.put("us-east-1", "deployments", name, { image, replicas: 4 + i, paused: false });
  }
  await client.put("ap-south-1", "routes", "default", { upstream: "api", weight: 100 });
  // Silent for longer than --agent-stale-after: stale.
  await client.reportAgent("ap-south-1", "agt_5d0c1f9e2b7a4c3d", { name: "edge-mumbai-1", applied: 1, transport: "watch" });
  await sleep(3_500);
  const us = (await client.getVersion("us-east-1")).version;
  // What the reporting agents send, as often as they would while writes go on.
  const report = async (eu: number) => {
    await client.reportAgent("eu-west-1", "agt_0b5c3e1f7d9a2c4e", { name: "edge-dublin-1", applied: eu, handled: eu, transport: "watch" });
    await client.reportAgent("eu-west-1", "agt_7a1e9c3b5d0f2a4c", { name: "edge-dublin-2", applied: eu, transport: "poll" });
    // Lacking changes written more than --agent-behind-after ago: behind.
    await client.reportAgent("us-east-1", "agt_c2e4a6b8d0f1e3a5", {
      name: "edge-virginia-1",
      applied: us - 3,
      handled: us - 4,
      transport: "watch",
    });
    await client.reportAgent("us-east-1", "agt_e1f3a5c7b9d2e4f6", {
      name: "edge-virginia-2",
      applied: us,
      handled: us,
      transport: "watch",
    });
  };
  await report((await client.getVersion("eu-west-1")).version);

  const page = await browser.newPage({ viewport: { width: 1000, height: 640 } });
  await page.goto(`${server.url}/ui/#region=eu-west-1&collection=deployments`);
  await page.locator('#rows tr[data-key="worker"]').waitFor({ timeout: 20_000 });
  await page.locator("#live[data-live=true]").waitFor({ timeout: 20_000 });
  // A steady trickle of writes, followed by the region's agents, so writes/s shows a rate.
  for (let i = 0; i < 30; i++) {
    await report((await client.put("eu-west-1", "heartbeats", "cp-1", { at: Date.now() })).version);
    await sleep(100);
  }
  // A write while the page is open, so the screenshot shows a row just changed.
  await client.put("eu-west-1", "deployments", "web", { image: "web:1.4.3", replicas: 2, paused: false });
  await page.locator('#rows tr.changed[data-key="web"]').waitFor({ timeout: 20_000 });
  await page.screenshot({ path: out, fullPage: true });
  console.log(`${out}: ${statSync(out).size} bytes`);
} finally {
  await browser.close();
  await stopChild(server);
  rmSync(dir, { recursive: true, force: true });
}
