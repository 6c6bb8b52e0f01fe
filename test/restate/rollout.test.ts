/**
 * Seed 001 on a real restate-server: revision 1 at endpoint A, a long-running
 * invocation pinned to it, revision 2 at endpoint B (a `verso restate serve`
 * process). New invocations go to B, the in-flight one finishes on A, the
 * counter state carries over, and A is reported drained only afterwards. An
 * incompatible change (the virtual object turned into a service) is refused
 * unless forced.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import http2 from "node:http2";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { setTimeout as delay } from "node:timers/promises";
import * as restate from "@restatedev/restate-sdk";
import { RestateAdmin, RestateAdminError } from "../../src/restate/admin.js";
import { type RunningEndpoint, startEndpoint } from "../../src/restate/endpoint.js";
import { callIngress, sendIngress } from "../../src/restate/ingress.js";
import { rolloutStatus } from "../../src/restate/rollout-status.js";
import { VERSIONING_SERVICE, type VersionAnswer } from "../../src/restate/versioning-service.js";
import { type ServingProcess, verso, versoRestateServe } from "./cli-process.js";
import { type RestateServer, startRestateServer } from "./harness.js";

/** Long enough to register revision 2 and call it while the invocation still sleeps on revision 1. */
const SLEEP_MS = 5_000;

describe("rolling out a new revision of VersioningService", () => {
  let server: RestateServer;
  let admin: RestateAdmin;
  let endpointA: RunningEndpoint;
  let endpointB: ServingProcess | undefined;
  let breaking: http2.Http2Server | undefined;
  const breakingSessions = new Set<http2.ServerHttp2Session>();
  let dir: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "verso-restate-rollout-"));
    server = await startRestateServer();
    admin = new RestateAdmin(server.admin);
  });

  after(async () => {
    await endpointB?.stop();
    await endpointA?.stop();
    if (breaking) {
      const closed = new Promise((resolve) => breaking?.close(resolve));
      for (const session of breakingSessions) session.destroy();
      await closed;
    }
    await server?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const next = (region: string) =>
    callIngress<VersionAnswer>(server.ingress, { service: VERSIONING_SERVICE, key: region, handler: "nextVersion" });
  const current = (region: string) =>
    callIngress<VersionAnswer>(server.ingress, { service: VERSIONING_SERVICE, key: region, handler: "getVersion" });
  const status = async () => rolloutStatus(await admin.services(), await admin.deployments(), await admin.inFlightByDeployment());

  test("in-flight invocations finish on the old revision, new ones run on the new one", { timeout: 60_000 }, async () => {
    // Endpoint B starts early (it is a separate process) but is registered only later.
    endpointB = await versoRestateServe(["--port", "0", "--label", "rev-2", "--feed", join(dir, "b.db")]);
    endpointA = await startEndpoint({ port: 0, servedBy: "rev-1", logLevel: "error" });
    const registeredA = await admin.register(endpointA.url);
    assert.deepEqual(
      registeredA.services.map((s) => [s.name, s.revision]),
      [[VERSIONING_SERVICE, 1]],
    );
    const deploymentA = registeredA.id;

    assert.deepEqual(await next("eu"), { version: 1, servedBy: "rev-1" });
    assert.deepEqual(await next("eu"), { version: 2, servedBy: "rev-1" });
    assert.deepEqual(await next("slow"), { version: 1, servedBy: "rev-1" });

    const sent = await sendIngress(server.ingress, {
      service: VERSIONING_SERVICE,
      key: "slow",
      handler: "getVersionAfter",
      body: { delayMs: SLEEP_MS },
    });
    const sentAt = Date.now();
    const pinned = await pinnedDeployment(admin, sent.invocationId);
    assert.equal(pinned, deploymentA);

    const registeredB = await admin.register(endpointB.url);
    const revisions = new Map(registeredB.services.map((s) => [s.name, s.revision]));
    assert.equal(revisions.get(VERSIONING_SERVICE), 2);
    const deploymentB = registeredB.id;
    assert.notEqual(deploymentB, deploymentA);

    // New invocations run on revision 2 and continue the counter revision 1 kept.
    assert.deepEqual(await next("eu"), { version: 3, servedBy: "rev-2" });
    assert.deepEqual(await current("eu"), { version: 3, servedBy: "rev-2" });
    assert.deepEqual(await current("slow"), { version: 1, servedBy: "rev-2" });

    const during = await status();
    assert.ok(Date.now() - sentAt < SLEEP_MS, "revision 2 took longer to check than the invocation sleeps; raise SLEEP_MS");
    const a = during.deployments.find((d) => d.id === deploymentA);
    const b = during.deployments.find((d) => d.id === deploymentB);
    assert.deepEqual([a?.state, a?.inFlight, a?.removable], ["draining", 1, false]);
    assert.deepEqual(b?.latestFor.includes(VERSIONING_SERVICE), true);
    assert.equal(b?.state, "serving");

    // The sleeping invocation completes on the endpoint it started on.
    const finished = await attach<VersionAnswer>(server.ingress, sent.invocationId);
    assert.deepEqual(finished, { version: 1, servedBy: "rev-1" });
    assert.ok(Date.now() - sentAt >= SLEEP_MS);

    // Only now is A drained; the CLI says so.
    await waitFor(async () => (await status()).deployments.find((d) => d.id === deploymentA)?.removable === true, "A drained");
    const shown = await verso(["restate", "status", "--admin", server.admin]);
    assert.equal(shown.code, 0, shown.stderr);
    assert.match(shown.stdout, new RegExp(`${VERSIONING_SERVICE}\\s+VirtualObject\\s+2\\s+${deploymentB}`));
    assert.match(shown.stdout, new RegExp(`${deploymentA}\\s+\\S+\\s+${VERSIONING_SERVICE}@1\\s+0\\s+drained, safe to remove`));
    assert.match(shown.stdout, new RegExp(`${deploymentB}\\s+\\S+\\s+\\S*${VERSIONING_SERVICE}@2\\S*\\s+0\\s+serving`));
    assert.match(shown.stdout, new RegExp(`${deploymentA} is drained: stop ${endpointA.url}/? and remove it`));
    assert.deepEqual(await next("eu"), { version: 4, servedBy: "rev-2" });
  });

  test("turning the virtual object into a service is refused without --force", { timeout: 60_000 }, async () => {
    const asService = restate.service({
      name: VERSIONING_SERVICE,
      handlers: { nextVersion: async (): Promise<VersionAnswer> => ({ version: 0, servedBy: "breaking" }) },
    });
    breaking = http2.createServer(restate.createEndpointHandler({ services: [asService], logger: () => {} }));
    breaking.on("session", (session) => breakingSessions.add(session));
    await new Promise<void>((resolve) => breaking?.listen(0, "127.0.0.1", resolve));
    const uri = `http://127.0.0.1:${(breaking.address() as AddressInfo).port}`;

    await assert.rejects(admin.register(uri), (e: unknown) => e instanceof RestateAdminError && e.status >= 400 && e.status < 500);
    const refused = await verso(["restate", "register", "--admin", server.admin, "--uri", uri]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /verso: POST \/deployments: 409 .*service type cannot be changed/i);
    assert.match(refused.stderr, /pass --force/);
    const unchanged = (await admin.services()).find((s) => s.name === VERSIONING_SERVICE);
    assert.equal(unchanged?.ty, "VirtualObject");
    assert.equal(unchanged?.revision, 2);

    const forced = await verso(["restate", "register", "--admin", server.admin, "--uri", uri, "--force"]);
    assert.equal(forced.code, 0, forced.stderr);
    assert.match(forced.stdout, new RegExp(`${VERSIONING_SERVICE}\\s+Service\\s+3`));
  });
});

async function pinnedDeployment(admin: RestateAdmin, invocationId: string): Promise<string> {
  let pinned: string | null = null;
  await waitFor(async () => {
    const rows = await admin.query<{ pinned_deployment_id: string | null }>(
      `SELECT pinned_deployment_id FROM sys_invocation WHERE id = '${invocationId}'`,
    );
    pinned = rows[0]?.pinned_deployment_id ?? null;
    return pinned !== null;
  }, `invocation ${invocationId} pinned`);
  return pinned as unknown as string;
}

async function attach<T>(ingress: string, invocationId: string): Promise<T> {
  const response = await fetch(`${ingress}/restate/invocation/${invocationId}/attach`);
  assert.equal(response.status, 200, await response.clone().text());
  return (await response.json()) as T;
}

/** Polls a condition Restate offers no notification for, with a deadline. */
async function waitFor(condition: () => Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await delay(50);
  }
}
