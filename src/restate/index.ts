/** verso on Restate: the versioning virtual object, the safe region writer, and the tools to roll them out. */

export { type DeploymentInfo, RestateAdmin, RestateAdminError, type ServiceInfo } from "./admin.js";
export { type EndpointOptions, type RunningEndpoint, startEndpoint } from "./endpoint.js";
export { DEFAULT_FEED_PATH, type FeedRow, FeedTable } from "./feed-table.js";
export { callIngress, RestateIngressError, sendIngress } from "./ingress.js";
export { ingressVersionCounter } from "./ingress-counter.js";
export { checkOrdering, FeedReader, type OrderingReport } from "./ordering-check.js";
export { REGION_WRITER, regionWriter, type WriteAnswer, type WriteRequest } from "./region-writer.js";
export { type DeploymentStatus, type RolloutStatus, rolloutStatus } from "./rollout-status.js";
export { VERSION_STATE_KEY, VERSIONING_SERVICE, type VersionAnswer, versioningService } from "./versioning-service.js";
