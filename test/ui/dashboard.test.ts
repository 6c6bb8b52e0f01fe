/**
 * The dashboard in a real browser against a real server and a real agent: it loads, a
 * write made through the API shows without a reload, a stopped agent turns stale, and
 * with auth on the token is asked once per tab.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { Browser, Page } from "playwright-core";
import { VersoClient } from "../../src/client/http-client.js";
import { AgentProcess } from "../agent/agent-process.js";
import { type ChildServer, startChildServer, stopChild } from "../support/child-process.js";
import { launchChromium, noChromium } from "../support/chromium.js";

const skip = noChromium();
if (skip) console.log(`# dashboard browser tests skipped: ${skip}`);

/** Locators wait for the page's own updates; this bounds each wait. */
const SEEN_MS = 20_000;

describe("dashboard in a browser", { skip }, () => {
  let dir: string;
  let server: ChildServer | undefined;
  let agent: AgentProcess | undefined;
  let browser: Browser | undefined;
  let page: Page;
  let client: VersoClient;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "verso-ui-"));
    server = await startChildServer(["--db", join(dir, "server.db"), "--synchronous", "normal", "--agent-stale-after", "2s"]);
    client = new VersoClient({ server: server.url });
    await client.put("eu", "deployments", "web", { image: "web:1" });
    await client.put("us", "deployments", "api", { image: "api:7" });
    agent = new AgentProcess([
      ...["--server", server.url, "--region", "eu", "--replica", join(dir, "replica.db")],
      ...["--name", "edge-1", "--status-interval", "500ms"],
    ]);
    await agent.until((line) => line.event === "ready", "the agent to be ready");
    browser = await launchChromium();
    page = await browser.newPage();
  });

  after(async () => {
    await browser?.close();
    await agent?.kill("SIGKILL");
    await stopChild(server);
    rmSync(dir, { recursive: true, force: true });
  });

  it("loads at /ui with the regions and the reporting agent", async () => {
    const response = await page.goto(`${server?.url}/ui`);
    assert.equal(response?.status(), 200);
    assert.ok(page.url().endsWith("/ui/"), page.url());
    await page.locator('#regions tr[data-region="eu"] .head', { hasText: /^1$/ }).waitFor({ timeout: SEEN_MS });
    await page.locator('#regions tr[data-region="us"]').waitFor({ timeout: SEEN_MS });
    await page.locator("#agents tr[data-state=live]", { hasText: "edge-1" }).waitFor({ timeout: SEEN_MS });
    assert.equal(await page.locator("#login").isVisible(), false);
  });

  it("shows a write made through the API without a reload", async () => {
    await page.selectOption("#region", "eu");
    await page.fill("#collection", "deployments");
    await page.click("#browse button[type=submit]");
    await page.locator('#rows tr[data-key="web"]', { hasText: '{"image":"web:1"}' }).waitFor({ timeout: SEEN_MS });
    await page.locator("#live[data-live=true]").waitFor({ timeout: SEEN_MS });

    const loads: string[] = [];
    page.on("load", () => loads.push(page.url()));
    const { version } = await client.put("eu", "deployments", "gateway", { replicas: 3 });
    await client.put("eu", "deployments", "web", { image: "web:2" });
    await page.locator('#rows tr[data-key="gateway"]', { hasText: String(version) }).waitFor({ timeout: SEEN_MS });
    await page.locator('#rows tr[data-key="web"]', { hasText: '{"image":"web:2"}' }).waitFor({ timeout: SEEN_MS });
    await client.delete("eu", "deployments", "gateway");
    await page.locator('#rows tr[data-key="gateway"]').waitFor({ state: "detached", timeout: SEEN_MS });
    await page.locator('#regions tr[data-region="eu"] .head', { hasText: /^4$/ }).waitFor({ timeout: SEEN_MS });
    assert.deepEqual(loads, [], "the page did not reload");
  });

  it("turns a stopped agent stale", async () => {
    const id = (await client.agents("eu")).find((a) => a.name === "edge-1")?.id;
    assert.ok(id);
    const row = page.locator(`#agents tr[data-agent="${id}"]`);
    await row.and(page.locator("[data-state=live]")).waitFor({ timeout: SEEN_MS });
    await agent?.kill("SIGKILL");
    await row.and(page.locator("[data-state=stale]")).waitFor({ timeout: SEEN_MS });
    assert.equal(await row.locator(".state").textContent(), "stale");
  });
});

describe("dashboard with auth on", { skip }, () => {
  const token = "ui-admin-token-0123456789abcdef";
  let dir: string;
  let server: ChildServer | undefined;
  let browser: Browser | undefined;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "verso-ui-auth-"));
    server = await startChildServer(["--db", join(dir, "server.db"), "--synchronous", "normal", "--admin-token", token]);
    await new VersoClient({ server: server.url, token }).put("eu", "c", "k", 1);
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    await stopChild(server);
    rmSync(dir, { recursive: true, force: true });
  });

  it("asks for the token once, refuses a wrong one, and keeps it across reloads of the tab", async () => {
    const page = await (browser as Browser).newPage();
    await page.goto(`${server?.url}/ui/`);
    await page.locator("#login").waitFor({ timeout: SEEN_MS });
    assert.equal(await page.locator("#main").isVisible(), false);

    await page.fill("#token", "not-the-token");
    await page.click("#login button[type=submit]");
    await page.locator("#login-error", { hasText: "refused" }).waitFor({ timeout: SEEN_MS });

    await page.fill("#token", token);
    await page.click("#login button[type=submit]");
    await page.locator('#regions tr[data-region="eu"]').waitFor({ timeout: SEEN_MS });
    assert.equal(await page.locator("#login").isVisible(), false);

    await page.reload();
    await page.locator('#regions tr[data-region="eu"]').waitFor({ timeout: SEEN_MS });
    assert.equal(await page.locator("#login").isVisible(), false, "the token is not asked again");
  });
});
