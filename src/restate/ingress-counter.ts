/** The VersionCounter over Restate: the VersioningService virtual object, reached through the ingress. */
import type { VersionCounter } from "../core/version-counter.js";
import { callIngress } from "./ingress.js";
import { VERSIONING_SERVICE, type VersionAnswer } from "./versioning-service.js";

export interface IngressCounterOptions {
  /** Restate's ingress, e.g. http://127.0.0.1:8080 */
  ingress: string;
  fetch?: typeof fetch;
}

export function ingressVersionCounter(options: IngressCounterOptions): VersionCounter {
  const base = { service: VERSIONING_SERVICE, ...(options.fetch && { fetch: options.fetch }) };
  return {
    async next(region, idempotencyKey) {
      const call = { ...base, key: region, handler: "nextVersion", ...(idempotencyKey !== undefined && { idempotencyKey }) };
      return (await callIngress<VersionAnswer>(options.ingress, call)).version;
    },
    async current(region) {
      return (await callIngress<VersionAnswer>(options.ingress, { ...base, key: region, handler: "getVersion" })).version;
    },
  };
}
