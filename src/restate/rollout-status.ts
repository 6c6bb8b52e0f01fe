/**
 * Seed 001's rule, made checkable: a registered deployment stays needed while it
 * serves the latest revision of some service (new invocations go there) or while
 * invocations pinned to it have not completed (they finish where they started).
 * Only a deployment with neither is drained and safe to remove.
 */
import type { DeploymentInfo, ServiceInfo, ServiceRevision } from "./admin.js";

export type DeploymentState = "serving" | "draining" | "drained";

export interface DeploymentStatus {
  id: string;
  endpoint: string;
  services: ServiceRevision[];
  /** Services whose latest revision this deployment serves. */
  latestFor: string[];
  /** Invocations pinned here that have not completed. */
  inFlight: number;
  state: DeploymentState;
  /** True only when drained: nothing routes here any more and nothing runs here. */
  removable: boolean;
}

export interface RolloutStatus {
  services: ServiceInfo[];
  deployments: DeploymentStatus[];
  /** In-flight invocations not yet started on any deployment: they will run on the latest revision. */
  unpinned: number;
}

export function rolloutStatus(services: ServiceInfo[], deployments: DeploymentInfo[], inFlight: Map<string, number>): RolloutStatus {
  const statuses = deployments.map((d): DeploymentStatus => {
    const latestFor = services.filter((s) => s.deployment_id === d.id).map((s) => s.name);
    const running = inFlight.get(d.id) ?? 0;
    const state: DeploymentState = latestFor.length > 0 ? "serving" : running > 0 ? "draining" : "drained";
    return {
      id: d.id,
      endpoint: d.uri ?? d.arn ?? "",
      services: d.services.map((s) => ({ name: s.name, revision: s.revision })),
      latestFor,
      inFlight: running,
      state,
      removable: state === "drained",
    };
  });
  const byAge = (a: DeploymentInfo, b: DeploymentInfo) => (a.created_at ?? "").localeCompare(b.created_at ?? "");
  const order = new Map([...deployments].sort(byAge).map((d, i) => [d.id, i]));
  statuses.sort((a, b) => (order.get(a.id) ?? 0) - (order.get(b.id) ?? 0));
  return {
    services: [...services].sort((a, b) => a.name.localeCompare(b.name)),
    deployments: statuses,
    unpinned: inFlight.get("") ?? 0,
  };
}
