/**
 * The HTTP server: Fastify with verso's routes. Chosen for its maturity, its
 * per-route body limits and hooks, and an overhead measured in BENCHMARKS.md.
 */
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyReply, LogController } from "fastify";
import type { Logger } from "pino";
import { AgentRegistry, type AgentRegistryOptions } from "../core/agent-registry.js";
import type { VersoStore } from "../core/store.js";
import { internalsOf } from "../core/store-internals.js";
import { answeredProtocol, checkProtocol } from "../model/http-params.js";
import { BadRequestError } from "../protocol/errors.js";
import { PROTOCOL_HEADER } from "../protocol/version.js";
import type { TokenStorage } from "../storage/token-storage.js";
import { installAuth } from "./auth.js";
import { type ErrorResponse, errorResponse, IDEMPOTENCY_REPLAYED_HEADER, routeNotFound, schemaRefusal } from "./error-mapping.js";
import { REQUEST_MESSAGE } from "./log-destination.js";
import { ServerMetrics } from "./metrics.js";
import { OpenApiDocument } from "./openapi.js";
import { clientErrorHandler, installRawRefusals, missingHost } from "./raw-refusals.js";
import type { RouteContext } from "./route-context.js";
import { agentRoutes } from "./routes/agents.js";
import { changesRoutes } from "./routes/changes.js";
import { healthRoutes } from "./routes/health.js";
import { metricsRoutes } from "./routes/metrics.js";
import { openApiRoutes } from "./routes/openapi.js";
import { regionRoutes } from "./routes/regions.js";
import { replicacheRoutes } from "./routes/replicache.js";
import { rowRoutes } from "./routes/rows.js";
import { schemaRoutes } from "./routes/schemas.js";
import { shapeRoutes } from "./routes/shape.js";
import { tokenRoutes } from "./routes/tokens.js";
import { transactionRoutes } from "./routes/transactions.js";
import { uiRoutes } from "./routes/ui.js";
import { watchRoutes } from "./routes/watch.js";
import { installSchemaValidation } from "./schema/validation.js";
import { StorageHealth } from "./storage-health.js";
import type { TlsMaterial } from "./tls.js";

export interface AppOptions {
  store: VersoStore;
  /** Largest request body (a row's PUT, transactions); values are limited to 1 MiB. Default 16 MiB. */
  maxRequestBytes?: number;
  log?: (line: string) => void;
  /**
   * Structured logs (see logger.ts): one line per request, and lifecycle lines when `log`
   * is not given. Without it the app logs no requests.
   */
  logger?: Logger;
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
  /** Serve HTTPS with this certificate chain and key (PEM). */
  tls?: TlsMaterial | undefined;
  /** Agents' staleness and behind thresholds and how often their reports are written. */
  agents?: Omit<AgentRegistryOptions, "now" | "log">;
}

export const DEFAULT_HEARTBEAT_MS = 15_000;
export const DEFAULT_WATCH_BUFFER_BYTES = 1024 * 1024;

export function buildApp(options: AppOptions): FastifyInstance {
  const logger = options.logger;
  const log = options.log ?? (logger ? (line: string) => logger.info(line) : (line: string) => process.stderr.write(`${line}\n`));
  // Fastify types an HTTPS instance apart from an HTTP one, yet routes, hooks and
  // replies are the same; the rest of the server is written once, against the HTTP type.
  const app = Fastify({
    ...(options.tls && { https: { cert: options.tls.cert, key: options.tls.key } }),
    ...(logger
      ? {
          loggerInstance: logger as FastifyBaseLogger,
          // One line per request is written in onResponse, with verso's fields.
          logController: new LogController({ disableRequestLogging: true }),
          requestIdHeader: "x-request-id",
        }
      : { logger: false }),
    bodyLimit: 64 * 1024,
    // Requests that reach a stopping server on an open connection are still served: the
    // store stays open until its owner closes it, and the contract has no 503 body.
    return503OnClosing: false,
    routerOptions: { maxParamLength: 1024 },
    // Refusals from below the router get the contract's answers too (raw-refusals.ts).
    clientErrorHandler: clientErrorHandler(log),
    http: { requireHostHeader: false },
    // A request a route schema refuses gets the contract's 400 (schema/validation.ts).
    schemaErrorFormatter: schemaRefusal,
    // Errors the router raises before any route runs (bad %-encoding, an over-long path
    // segment) get the contract's error body too, not Fastify's own.
    frameworkErrors: (error, request, reply) => {
      const answered = (reply as FastifyReply).header(PROTOCOL_HEADER, String(answeredProtocol(request.headers)));
      sendError(answered, errorResponse(error, log));
    },
  }) as unknown as FastifyInstance;
  installRawRefusals(app.server, log);
  // Before authentication: every answer, 401 and 403 included, names its protocol, and
  // an unsupported protocol is refused without a token lookup.
  // A callback hook: an async one costs a promise and a microtask turn on every request;
  // Fastify turns what it throws into the error answer as it does an async hook's rejection.
  app.addHook("onRequest", (request, reply, done) => {
    reply.header(PROTOCOL_HEADER, String(answeredProtocol(request.headers)));
    const noHost = missingHost(request.raw);
    if (noHost) throw noHost;
    checkProtocol(request.headers);
    done();
  });
  const internals = internalsOf(options.store);
  const tokens = options.tokens ?? internals.tokens();
  // Stopping ends long-polls and min-version waits at once, so closing does not wait on them.
  const stopping = new AbortController();
  app.addHook("preClose", async () => stopping.abort());
  const agents = new AgentRegistry(
    {
      agents: internals.storage.agents?.(),
      heads: async () => new Map((await options.store.regions()).map((r) => [r.region, r.version])),
    },
    { ...options.agents, log, ...(options.now && { now: options.now }) },
  );
  agents.start();
  app.addHook("onClose", () => agents.stop());
  const metrics = new ServerMetrics({ store: options.store, internals, agents });
  app.addHook("onClose", async () => metrics.close());
  // A callback hook, not an async one: it runs on every response and should cost little.
  app.addHook("onResponse", (request, reply, done) => {
    const route = request.routeOptions.url ?? "unmatched";
    const elapsed = reply.elapsedTime;
    metrics.observeRequest(request.method, route, reply.statusCode, elapsed / 1000);
    const replayed = reply.getHeader(IDEMPOTENCY_REPLAYED_HEADER) === "true";
    if (replayed) metrics.replays.inc();
    if (reply.statusCode >= 500) metrics.storageErrors.inc();
    if (logger) {
      const region = (request.params as Record<string, string | undefined> | undefined)?.region;
      request.log.info(
        {
          method: request.method,
          route,
          url: request.url,
          status: reply.statusCode,
          durationMs: Math.round(elapsed * 100) / 100,
          region: region ?? null,
          token: context.auth.callerName(request),
          replayed,
        },
        REQUEST_MESSAGE,
      );
    }
    done();
  });
  const context: RouteContext = {
    store: options.store,
    internals,
    stopping: stopping.signal,
    maxRequestBytes: options.maxRequestBytes ?? 16 * 1024 * 1024,
    log,
    tokens,
    now: options.now ?? Date.now,
    auth: installAuth(app, { adminToken: options.adminToken, tokens, tokenCacheMs: options.tokenCacheMs, log }),
    heartbeatMs: positive("heartbeatMs", options.heartbeatMs ?? DEFAULT_HEARTBEAT_MS),
    watchBufferBytes: positive("watchBufferBytes", options.watchBufferBytes ?? DEFAULT_WATCH_BUFFER_BYTES),
    storageHealth: new StorageHealth(internals.storage),
    agents,
    metrics,
  };
  app.addHook("onClose", async () => context.storageHealth.close());

  // Every body is JSON whatever its Content-Type says: `curl -d` sends form encoding by
  // default, and refusing it would only get in the way.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser("*", { parseAs: "string" }, (_request, body, done) => {
    const text = String(body);
    // Blank or absent; a test for one non-blank character, not a trimmed copy of the whole body.
    if (!/\S/.test(text)) return done(null, undefined);
    try {
      done(null, JSON.parse(text));
    } catch (error) {
      done(new BadRequestError(`request body is not valid JSON: ${(error as Error).message}`), undefined);
    }
  });

  app.setErrorHandler((error, request, reply) => {
    context.storageHealth.record(error);
    sendError(reply, errorResponse(error, log, request.routeOptions.bodyLimit));
  });
  app.setNotFoundHandler((request, reply) => sendError(reply, routeNotFound(request.method, request.url)));

  installSchemaValidation(app);
  // Before the routes, so that it sees each of them.
  const openapi = new OpenApiDocument(app);
  healthRoutes(app, context);
  regionRoutes(app, context);
  rowRoutes(app, context);
  transactionRoutes(app, context);
  changesRoutes(app, context);
  shapeRoutes(app, context);
  tokenRoutes(app, context);
  schemaRoutes(app, context);
  watchRoutes(app, context);
  agentRoutes(app, context);
  replicacheRoutes(app, context);
  metricsRoutes(app, context);
  openApiRoutes(app, openapi);
  uiRoutes(app);
  return app;
}

function sendError(reply: FastifyReply, { status, body, headers }: ErrorResponse): void {
  void reply.headers(headers).status(status).send(body);
}

function positive(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 1) throw new RangeError(`${name} must be a positive integer, got ${value}`);
  return value;
}
