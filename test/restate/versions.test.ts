/** Seed 000 on Restate: the VersioningService virtual object against a real restate-server, beside verso's own counter. */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { VersoStore } from "../../src/core/store.js";
import { storeVersionCounter } from "../../src/core/version-counter.js";
import { openStore } from "../../src/open-store.js";
import { RestateAdmin } from "../../src/restate/admin.js";
import { type RunningEndpoint, startEndpoint } from "../../src/restate/endpoint.js";
import { callIngress, RestateIngressError } from "../../src/restate/ingress.js";
import { ingressVersionCounter } from "../../src/restate/ingress-counter.js";
import { VERSIONING_SERVICE } from "../../src/restate/versioning-service.js";
import { checkCounterContract, checkIdempotency } from "./counter-contract.js";
import { type RestateServer, startRestateServer } from "./harness.js";

describe("VersioningService on restate-server", () => {
  let server: RestateServer;
  let endpoint: RunningEndpoint;

  before(async () => {
    server = await startRestateServer();
    endpoint = await startEndpoint({ port: 0, servedBy: "endpoint-a", logLevel: "error" });
    const registered = await new RestateAdmin(server.admin).register(endpoint.url);
    assert.deepEqual(
      registered.services.map((s) => [s.name, s.ty, s.revision]),
      [[VERSIONING_SERVICE, "VirtualObject", 1]],
    );
  });

  after(async () => {
    await endpoint?.stop();
    await server?.stop();
  });

  test("per-region versions: first 1, strictly increasing, regions independent, 0 before the first", async () => {
    await checkCounterContract(ingressVersionCounter({ ingress: server.ingress }), "contract");
  });

  test("the same idempotency key returns the same version, also concurrently", async () => {
    await checkIdempotency(ingressVersionCounter({ ingress: server.ingress }), "idem");
  });

  test("answers name the endpoint that served them", async () => {
    const answer = await callIngress<{ version: number; servedBy: string }>(server.ingress, {
      service: VERSIONING_SERVICE,
      key: "served",
      handler: "nextVersion",
    });
    assert.deepEqual(answer, { version: 1, servedBy: "endpoint-a" });
  });

  test("a bad delay is a terminal 400, not a retry loop", async () => {
    const call = { service: VERSIONING_SERVICE, key: "bad", handler: "getVersionAfter", body: { delayMs: -1 } };
    await assert.rejects(callIngress(server.ingress, call), (e: unknown) => e instanceof RestateIngressError && e.status === 400);
  });
});

describe("verso's store as the same VersionCounter", () => {
  let store: VersoStore;
  before(async () => {
    store = await openStore({ path: ":memory:", maintenanceIntervalMs: 0 });
  });
  after(async () => {
    await store?.close();
  });

  test("per-region versions: first 1, strictly increasing, regions independent, 0 before the first", async () => {
    await checkCounterContract(storeVersionCounter(store), "contract");
  });

  test("the same idempotency key returns the same version, also concurrently", async () => {
    await checkIdempotency(storeVersionCounter(store), "idem");
  });
});
