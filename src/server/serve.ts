/**
 * Runs the HTTP server over a store it is given: stopping releases long-polls and watch
 * streams and lets in-flight requests finish; the store stays open for whoever opened
 * it to close. Writes are acknowledged only after their commit, so a kill -9 loses
 * nothing acknowledged.
 */
import type { Server as TlsServer } from "node:tls";
import type { FastifyInstance } from "fastify";
import type { Logger } from "pino";
import type { VersoStore } from "../core/store.js";
import type { TokenStorage } from "../storage/token-storage.js";
import type { AppOptions } from "./app.js";
import { buildApp } from "./app.js";
import { checkBind } from "./bind-policy.js";
import { trackSpareConnections } from "./spare-connections.js";
import type { TlsMaterial } from "./tls.js";

export interface ServeOptions {
  store: VersoStore;
  host?: string;
  port?: number;
  maxRequestBytes?: number;
  log?: (line: string) => void;
  /** Turns authentication on; without it only loopback hosts may be bound. */
  adminToken?: string | undefined;
  tokens?: TokenStorage;
  tokenCacheMs?: number;
  /** Idle time after which a watch stream sends a `progress` event (default 15 s). */
  heartbeatMs?: number;
  /** Unsent bytes past which a watch consumer is cut off (default 1 MiB). */
  watchBufferBytes?: number;
  /** Serve HTTPS with this certificate chain and key; required on a non-loopback host unless `insecureHttp`. */
  tls?: TlsMaterial;
  /** Plain HTTP on a non-loopback host, because TLS ends in a proxy in front of verso. */
  insecureHttp?: boolean;
  /** Agents' staleness and behind thresholds (default 60 s and 5 s). */
  agents?: AppOptions["agents"];
  /** Clock in ms (tests skew it). */
  now?: () => number;
  /** Structured logs: a line per request, and lifecycle lines when `log` is not given (see logger.ts). */
  logger?: Logger;
}

export interface RunningServer {
  app: FastifyInstance;
  url: string;
  /** Graceful stop: in-flight requests finish; the store is left open. */
  stop: () => Promise<void>;
  /** Swaps the certificate and key for new connections (an HTTPS server only); open ones keep theirs. */
  reloadTls: (tls: TlsMaterial) => void;
}

export async function startServer(options: ServeOptions): Promise<RunningServer> {
  const logger = options.logger;
  const log = options.log ?? (logger ? (line: string) => logger.info(line) : (line: string) => process.stderr.write(`${line}\n`));
  const host = options.host ?? "127.0.0.1";
  checkBind(host, options.adminToken !== undefined, { tls: options.tls !== undefined, insecureHttp: options.insecureHttp ?? false });
  const app = buildApp({
    store: options.store,
    log,
    adminToken: options.adminToken,
    ...(options.maxRequestBytes && { maxRequestBytes: options.maxRequestBytes }),
    ...(options.tokens && { tokens: options.tokens }),
    ...(options.tokenCacheMs !== undefined && { tokenCacheMs: options.tokenCacheMs }),
    ...(options.heartbeatMs !== undefined && { heartbeatMs: options.heartbeatMs }),
    ...(options.watchBufferBytes !== undefined && { watchBufferBytes: options.watchBufferBytes }),
    ...(options.tls && { tls: options.tls }),
    ...(options.agents && { agents: options.agents }),
    ...(options.now && { now: options.now }),
    ...(logger && { logger }),
  });
  // Node keeps a keep-alive connection that was busy when the server began closing open
  // for the whole keep-alive timeout (72 s) after its response, and close() waits for it.
  // Once stopping, responses therefore ask the client to close the connection.
  let closing = false;
  // A callback hook: an async one costs a promise and a microtask turn on every answer.
  app.addHook("onSend", (_request, reply, payload, done) => {
    if (closing) reply.header("connection", "close");
    done(null, payload);
  });
  const spares = trackSpareConnections(app.server);
  await app.listen({ host, port: options.port ?? 7070 });
  const address = app.server.address();
  const port = typeof address === "object" && address ? address.port : options.port;
  const url = `${options.tls ? "https" : "http"}://${host.includes(":") ? `[${host}]` : host}:${port}`;
  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      // Waiting readers are answered and watch streams end as the app begins to close
      // (see app.ts and the watch routes), so closing the listener does not wait on them.
      closing = true;
      // A response already on its way when stop() began is not marked; its connection
      // is dropped right after it instead of idling.
      app.server.keepAliveTimeout = 1;
      const closed = app.close();
      spares.closeAll();
      await closed;
    })();
    return stopping;
  };
  const reloadTls = (tls: TlsMaterial) => {
    if (!options.tls) throw new Error("this server speaks plain HTTP: start it with TLS to reload certificates");
    (app.server as unknown as TlsServer).setSecureContext({ cert: tls.cert, key: tls.key });
  };
  return { app, url, stop, reloadTls };
}

/**
 * Runs `stop` (the server's, then whatever its owner must release) on SIGTERM or
 * SIGINT, then exits; a second signal exits at once.
 */
export function stopOnSignals(stop: () => Promise<void>, log: (line: string) => void): void {
  let received = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (received) process.exit(1);
    received = true;
    log(`${signal}: finishing in-flight requests, then stopping`);
    stop().then(
      () => {
        log("stopped");
        process.exit(0);
      },
      (error: unknown) => {
        log(`stop failed: ${(error as Error).message}`);
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", onSignal);
  process.on("SIGINT", onSignal);
}
