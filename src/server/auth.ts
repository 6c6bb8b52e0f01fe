/**
 * Authentication and authorization in one onRequest hook. With an admin token
 * configured, every request except /healthz needs `Authorization: Bearer <token>`:
 * missing, unknown or revoked → 401 unauthorized; valid but out of scope → 403
 * forbidden. Without one, auth is off and every caller acts as admin (the server then
 * binds only to loopback; see bind-policy.ts).
 */
import type { ServerResponse } from "node:http";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { scopeIdempotency } from "../core/idempotency-scope.js";
import type { WriteCommand } from "../model/write-command.js";
import { ForbiddenError, UnauthorizedError } from "../protocol/errors.js";
import type { TokenStorage } from "../storage/token-storage.js";
import { type Access, ADMIN, canRead, classify, type Principal, permits } from "./access.js";
import { Authenticator, DEFAULT_TOKEN_CACHE_MS } from "./authenticator.js";
import { header } from "./headers.js";
import { startRevocationSweep } from "./revocation-sweep.js";

export interface AuthOptions {
  /** Turns auth on. */
  adminToken?: string | undefined;
  tokens?: TokenStorage | undefined;
  /** How long a token lookup is reused (default 5 s); revocations on this node clear it at once. */
  tokenCacheMs?: number | undefined;
  log?: (line: string) => void;
}

export interface Auth {
  readonly enabled: boolean;
  principalOf(request: FastifyRequest): Principal;
  /** The command with its Idempotency-Key moved into the caller's namespace. */
  scoped(request: FastifyRequest, command: WriteCommand): WriteCommand;
  /** Who made a request, by name only (for logs): the token's name or id, "admin", or null with auth off or before authentication. */
  callerName(request: FastifyRequest): string | null;
  /** Call after revoking: forgets cached lookups and ends the token's open reads (long-polls, watches). */
  revoked(id: string): void;
}

const BEARER = /^Bearer[ \t]+(\S+)[ \t]*$/i;

export function installAuth(app: FastifyInstance, options: AuthOptions): Auth {
  const adminToken = options.adminToken;
  const principals = new WeakMap<FastifyRequest, Principal>();
  const openReads = new Map<string, Set<ServerResponse>>();
  const authenticator =
    adminToken === undefined
      ? undefined
      : new Authenticator({
          adminToken,
          tokens: options.tokens,
          ...(options.tokenCacheMs !== undefined && { cacheMs: options.tokenCacheMs }),
        });

  const principalOf = (request: FastifyRequest): Principal => {
    if (!authenticator) return ADMIN;
    const principal = principals.get(request);
    // Only open routes run without a principal, and they never ask for one.
    if (!principal) throw new UnauthorizedError();
    return principal;
  };

  const trackRead = (id: string, response: ServerResponse) => {
    let set = openReads.get(id);
    if (!set) {
      set = new Set();
      openReads.set(id, set);
    }
    const registry = set;
    registry.add(response);
    response.once("close", () => {
      registry.delete(response);
      if (registry.size === 0 && openReads.get(id) === registry) openReads.delete(id);
    });
  };

  if (authenticator) {
    app.addHook("onRequest", async (request, reply) => {
      const region = (request.params as Record<string, string | undefined> | undefined)?.region;
      const access: Access = classify(request.method, request.routeOptions.url, region);
      if (access.kind === "open") return;
      const match = BEARER.exec(header(request.headers, "authorization") ?? "");
      const principal = match?.[1] === undefined ? undefined : await authenticator.authenticate(match[1]);
      if (!principal) {
        reply.header("www-authenticate", 'Bearer realm="verso"');
        throw new UnauthorizedError(match ? "unknown or revoked token" : "this server needs Authorization: Bearer <token>");
      }
      if (!permits(principal, access)) throw new ForbiddenError(refusal(principal, access));
      principals.set(request, principal);
      if (principal.kind === "token" && access.kind === "region" && access.mode === "read") trackRead(principal.id, reply.raw);
    });
  }

  const revoked = (id: string) => {
    authenticator?.forget();
    // Ending the response closes its connection: the reader sees it, reconnects and gets 401.
    for (const response of openReads.get(id) ?? []) response.destroy();
  };
  if (authenticator && options.tokens) {
    // Revocations made through other nodes sharing the database.
    const stopSweep = startRevocationSweep({
      tokens: options.tokens,
      cacheMs: options.tokenCacheMs ?? DEFAULT_TOKEN_CACHE_MS,
      openTokens: () => [...openReads.keys()],
      revoked,
      log: options.log ?? (() => {}),
    });
    app.addHook("onClose", async () => stopSweep());
  }

  return {
    enabled: authenticator !== undefined,
    principalOf,
    callerName: (request) => {
      const principal = authenticator ? principals.get(request) : undefined;
      if (!principal) return null;
      return principal.kind === "admin" ? "admin" : (principal.name ?? principal.id);
    },
    scoped: (request, command) => {
      const principal = principalOf(request);
      return scopeIdempotency(command, principal.kind === "token" ? principal.id : undefined);
    },
    revoked,
  };
}

function refusal(principal: Principal, access: Access): string {
  if (principal.kind !== "token") return "forbidden";
  if (access.kind === "admin") return "this call needs the admin token";
  if (access.kind !== "region") return "forbidden";
  const scope = `token ${principal.id} (${principal.role} on ${principal.regions.join(", ")})`;
  return access.mode === "write" && canRead(principal, access.region)
    ? `${scope} may not write region ${access.region}`
    : `${scope} may not access region ${access.region}`;
}
