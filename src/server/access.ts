/**
 * What a request needs, decided from its method and route pattern alone, and whether a
 * caller has it. Classifying by pattern means a route added later under
 * `/v1/regions/:region` is covered without touching this file: GET and HEAD read the
 * region, every other method writes it. A matched route this file does not know is
 * admin-only, so a new endpoint is never open by accident.
 */
import { ALL_REGIONS, type TokenRole } from "../protocol/tokens.js";
import { OPENAPI_ROUTE } from "./openapi.js";

export type Principal =
  | { kind: "admin" }
  | { kind: "token"; id: string; role: TokenRole; regions: readonly string[]; name?: string | null };

export const ADMIN: Principal = { kind: "admin" };

export type Access =
  /** No token needed. */
  | { kind: "open" }
  /** Any valid token; the route itself narrows what it shows (GET /v1/regions) or answers 404. */
  | { kind: "authenticated" }
  | { kind: "admin" }
  | { kind: "region"; region: string; mode: "read" | "write" };

const REGION_ROUTE = "/v1/regions/:region";
const SCHEMAS_ROUTE = "/v1/schemas";
/** An agent's status report: the agents that send it hold read tokens, and it changes no data. */
const AGENT_REPORT_ROUTE = "/v1/regions/:region/agents/:id";
/** Replicache posts its pulls: a read, whatever the method. */
const REPLICACHE_PULL_ROUTE = "/v1/regions/:region/replicache/pull";

/**
 * `route` is the matched route pattern (undefined when nothing matched, i.e. a 404);
 * `region` the router's decoded `:region` parameter, the same string the handler sees.
 */
export function classify(method: string, route: string | undefined, region: string | undefined): Access {
  // The OpenAPI document describes routes and schemas only: nothing a caller could misuse.
  if (route === "/healthz" || route === OPENAPI_ROUTE) return { kind: "open" };
  // The dashboard's files hold no data: the page asks for a token and sends it with its API calls.
  if ((route === "/ui" || route?.startsWith("/ui/")) && isRead(method)) return { kind: "open" };
  if (route === undefined) return { kind: "authenticated" };
  if (route === "/v1/regions" && isRead(method)) return { kind: "authenticated" };
  // Every reader may learn the schemas it projects to; changing them is for the admin.
  if ((route === SCHEMAS_ROUTE || route.startsWith(`${SCHEMAS_ROUTE}/`)) && isRead(method)) return { kind: "authenticated" };
  // These answer every caller with what its token may read (metrics: the series of its regions).
  if ((route === "/v1/regions" || route === "/v1/agents" || route === "/metrics") && isRead(method)) return { kind: "authenticated" };
  if (route === AGENT_REPORT_ROUTE && method === "PUT" && region !== undefined) return { kind: "region", region, mode: "read" };
  if (route === REPLICACHE_PULL_ROUTE && method === "POST" && region !== undefined) return { kind: "region", region, mode: "read" };
  if ((route === REGION_ROUTE || route.startsWith(`${REGION_ROUTE}/`)) && region !== undefined) {
    return { kind: "region", region, mode: isRead(method) ? "read" : "write" };
  }
  return { kind: "admin" };
}

function isRead(method: string): boolean {
  return method === "GET" || method === "HEAD";
}

export function permits(principal: Principal, access: Access): boolean {
  if (principal.kind === "admin" || access.kind === "open" || access.kind === "authenticated") return true;
  if (access.kind === "admin") return false;
  return covers(principal, access.region) && (access.mode === "read" || principal.role === "write");
}

/** Whether the caller may read a region (both roles read what they cover). */
export function canRead(principal: Principal, region: string): boolean {
  return principal.kind === "admin" || covers(principal, region);
}

function covers(principal: Principal & { kind: "token" }, region: string): boolean {
  return principal.regions.includes(ALL_REGIONS) || principal.regions.includes(region);
}
