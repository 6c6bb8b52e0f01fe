/** Which deployments a rollout still needs: serving the latest revision, or running pinned invocations. */
import assert from "node:assert/strict";
import { test } from "node:test";
import type { DeploymentInfo, ServiceInfo } from "../../src/restate/admin.js";
import { rolloutStatus } from "../../src/restate/rollout-status.js";

const deployments: DeploymentInfo[] = [
  { id: "dp_b", uri: "http://b/", created_at: "2026-01-02T00:00:00Z", services: [{ name: "VersioningService", revision: 2 }] },
  {
    id: "dp_a",
    uri: "http://a/",
    created_at: "2026-01-01T00:00:00Z",
    services: [
      { name: "VersioningService", revision: 1 },
      { name: "RegionWriter", revision: 1 },
    ],
  },
  { id: "dp_0", uri: "http://zero/", created_at: "2025-12-31T00:00:00Z", services: [{ name: "Old", revision: 1 }] },
];
const services: ServiceInfo[] = [
  { name: "VersioningService", revision: 2, ty: "VirtualObject", deployment_id: "dp_b" },
  { name: "RegionWriter", revision: 1, ty: "VirtualObject", deployment_id: "dp_a" },
  { name: "Old", revision: 2, ty: "Service", deployment_id: "dp_b" },
];

test("a deployment still serving one service's latest revision is not removable, whatever runs on it", () => {
  const status = rolloutStatus(services, deployments, new Map());
  assert.deepEqual(
    status.deployments.map((d) => [d.id, d.state, d.removable, d.latestFor]),
    [
      ["dp_0", "drained", true, []],
      ["dp_a", "serving", false, ["RegionWriter"]],
      ["dp_b", "serving", false, ["VersioningService", "Old"]],
    ],
  );
});

test("a superseded deployment drains: removable only with no pinned invocation left", () => {
  const superseded = services.map((s) => ({ ...s, deployment_id: "dp_b" }));
  const running = rolloutStatus(
    superseded,
    deployments,
    new Map([
      ["dp_a", 2],
      ["", 3],
    ]),
  );
  const a = running.deployments.find((d) => d.id === "dp_a");
  assert.deepEqual([a?.state, a?.inFlight, a?.removable], ["draining", 2, false]);
  assert.equal(running.unpinned, 3);
  const done = rolloutStatus(superseded, deployments, new Map([["dp_b", 5]]));
  const after = done.deployments.find((d) => d.id === "dp_a");
  assert.deepEqual([after?.state, after?.inFlight, after?.removable], ["drained", 0, true]);
  assert.equal(done.deployments.find((d) => d.id === "dp_b")?.state, "serving");
});
