/**
 * The HTTP server: Fastify with verso's routes. Chosen for its maturity, its
 * per-route body limits and hooks, and an overhead measured in BENCHMARKS.md.
 */
import Fastify, { type FastifyInstance, type FastifyReply } from "fastify";
import type { VersoStore } from "../core/store.js";
import { BadRequestError, UnsupportedProtocolVersionError, VersoError } from "../protocol/errors.js";
import { isSupportedProtocol, PROTOCOL_HEADER, PROTOCOL_MAX, PROTOCOL_MIN } from "../protocol/version.js";
import type { TokenStorage } from "../storage/token-storage.js";
import { type Auth, installAuth } from "./auth.js";
import { errorResponse } from "./error-mapping.js";
import { header, requestProtocol } from "./headers.js";
import { clientErrorHandler, installRawRefusals, missingHost } from "./raw-refusals.js";
import { changesRoutes } from "./routes/changes.js";
import { healthRoutes } from "./routes/health.js";
import { regionRoutes } from "./routes/regions.js";
import { rowRoutes } from "./routes/rows.js";
import { tokenRoutes } from "./routes/tokens.js";
import { transactionRoutes } from "./routes/transactions.js";
import { watchRoutes } from "./routes/watch.js";

export interface AppOptions {
  store: VersoStore;
  /** Largest request body (a row's PUT, transactions); values are limited to 1 MiB. Default 16 MiB. */
  maxRequestBytes?: number;
  log?: (line: string) => void;
  /** Turns authentication on (see auth.ts); without it every caller acts as admin. */
  adminToken?: string | undefined;
  /** Where scoped tokens live; default: the store's backend, when it keeps tokens. */
  tokens?: TokenStorage | undefined;
  /** How long a token lookup is reused (default 5 s); revocations through this server apply at once. */
  tokenCacheMs?: number | undefined;
  now?: () => number;
  /** Idle time after which a watch stream sends a `progress` event. Default 15 s. */
  heartbeatMs?: number;
  /** Unsent bytes past which a watch consumer is cut off (it resumes with Last-Event-ID). Default 1 MiB. */
  watchBufferBytes?: number;
}

export const DEFAULT_HEARTBEAT_MS = 15_000;
export const DEFAULT_WATCH_BUFFER_BYTES = 1024 * 1024;

export interface RouteContext {
  store: VersoStore;
  maxRequestBytes: number;
  log: (line: string) => void;
  auth: Auth;
  tokens: TokenStorage | undefined;
  now: () => number;
  heartbeatMs: number;
  watchBufferBytes: number;
}

export function buildApp(options: AppOptions): FastifyInstance {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const app = Fastify({
    logger: false,
    bodyLimit: 64 * 1024,
    // Requests that reach a stopping server on an open connection are still served: the
    // store closes only after the listener has drained, and the contract has no 503 body.
    return503OnClosing: false,
    routerOptions: { maxParamLength: 1024 },
    // Refusals from below the router get the contract's answers too (raw-refusals.ts).
    clientErrorHandler: clientErrorHandler(log),
    http: { requireHostHeader: false },
    // Errors the router raises before any route runs (bad %-encoding, an over-long path
    // segment) get the contract's error body too, not Fastify's own.
    frameworkErrors: (error, request, reply) => {
      const { status, body } = errorResponse(error, log);
      void (reply as FastifyReply)
        .header(PROTOCOL_HEADER, String(answeredProtocol(request.headers)))
        .status(status)
        .send(body);
    },
  });
  installRawRefusals(app.server, log);
  // Before authentication: every answer, 401 and 403 included, names its protocol, and
  // an unsupported protocol is refused without a token lookup.
  app.addHook("onRequest", async (request, reply) => {
    reply.header(PROTOCOL_HEADER, String(answeredProtocol(request.headers)));
    const noHost = missingHost(request.raw);
    if (noHost) throw noHost;
    const asked = header(request.headers, PROTOCOL_HEADER);
    if (asked !== undefined && !isSupportedProtocol(asked.trim())) {
      throw new UnsupportedProtocolVersionError(`Verso-Protocol ${JSON.stringify(asked)} is not supported`, {
        min: PROTOCOL_MIN,
        max: PROTOCOL_MAX,
      });
    }
  });
  const tokens = options.tokens ?? options.store.storage.tokens?.();
  const context: RouteContext = {
    store: options.store,
    maxRequestBytes: options.maxRequestBytes ?? 16 * 1024 * 1024,
    log,
    tokens,
    now: options.now ?? Date.now,
    auth: installAuth(app, { adminToken: options.adminToken, tokens, tokenCacheMs: options.tokenCacheMs }),
    heartbeatMs: positive("heartbeatMs", options.heartbeatMs ?? DEFAULT_HEARTBEAT_MS),
    watchBufferBytes: positive("watchBufferBytes", options.watchBufferBytes ?? DEFAULT_WATCH_BUFFER_BYTES),
  };

  // Every body is JSON whatever its Content-Type says: `curl -d` sends form encoding by
  // default, and refusing it would only get in the way.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser("*", { parseAs: "string" }, (_request, body, done) => {
    const text = String(body);
    if (text.trim() === "") return done(null, undefined);
    try {
      done(null, JSON.parse(text));
    } catch (error) {
      done(new BadRequestError(`request body is not valid JSON: ${(error as Error).message}`), undefined);
    }
  });

  app.setErrorHandler((error, request, reply) => {
    if (error instanceof VersoError && error.replayed) reply.header("idempotency-replayed", "true");
    const { status, body } = errorResponse(error, log, request.routeOptions.bodyLimit);
    void reply.status(status).send(body);
  });
  app.setNotFoundHandler((request, reply) => {
    void reply.status(404).send({ error: { code: "not_found", message: `no route for ${request.method} ${request.url.split("?")[0]}` } });
  });

  healthRoutes(app, context);
  regionRoutes(app, context);
  rowRoutes(app, context);
  transactionRoutes(app, context);
  changesRoutes(app, context);
  tokenRoutes(app, context);
  watchRoutes(app, context);
  return app;
}

/** The response speaks the protocol the request asked for; a refusal speaks the newest. */
function answeredProtocol(headers: Record<string, string | string[] | undefined>): number {
  const asked = header(headers, PROTOCOL_HEADER);
  return asked !== undefined && !isSupportedProtocol(asked.trim()) ? PROTOCOL_MAX : requestProtocol(headers);
}

function positive(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 1) throw new RangeError(`${name} must be a positive integer, got ${value}`);
  return value;
}
