import { parseArgs } from "node:util";
import { DEFAULT_DB_PATH, openStore } from "../open-store.js";
import { MIN_ADMIN_TOKEN_LENGTH } from "../server/authenticator.js";
import { checkBind, PlaintextBindError, UnauthenticatedBindError } from "../server/bind-policy.js";
import { createLogger, LOG_LEVELS, type LogLevel } from "../server/logger.js";
import { type RunningServer, startServer, stopOnSignals } from "../server/serve.js";
import { redact } from "../storage/postgres/connect.js";
import { DEFAULT_SCHEMA } from "../storage/postgres/schema-name.js";
import { parseDuration } from "./durations.js";
import { int, port } from "./inputs.js";
import { chooseStorage, postgresFailure } from "./storage-choice.js";
import { readTlsFiles } from "./tls-files.js";
import { UsageError } from "./usage-error.js";

export const SERVE_USAGE = `verso serve [options]
  --db PATH                    SQLite file (default $VERSO_DB or ${DEFAULT_DB_PATH}; ":memory:" for a throwaway store);
                               its folder must exist (only the default one is created)
  --postgres URL               store in PostgreSQL instead (default $VERSO_DATABASE_URL); many nodes may share it.
                               Not together with --db
  --pg-listen-url URL          LISTEN connection, if it must bypass a transaction-mode pooler (default: --postgres)
  --pg-schema NAME             PostgreSQL schema for verso's tables (default ${DEFAULT_SCHEMA})
  --pg-pool N                  PostgreSQL connections of this node (default 10)
  --pg-notify MODE             in-transaction (default) or after-commit: how commits reach other nodes
  --host HOST                  address to bind (default 127.0.0.1)
  --port PORT                  port (default 7070; 0 picks a free one)
  --skip-integrity-check       SQLite: start without PRAGMA quick_check, which reads the whole file
  --synchronous full|normal    full (default): acknowledged writes survive power loss;
                               normal: they survive a crash of verso, not of the machine
  --writer-thread              SQLite: commit on a worker thread, so a commit's fsync does not hold up
                               requests (reads stay on the main thread)
  --no-group-commit            commit every write on its own (slower; for comparison)
  --tombstone-retention DUR    purge tombstones older than this (default 7d; 0 keeps them)
  --idempotency-retention DUR  how long Idempotency-Key replays last (default 24h)
  --max-request-bytes N        largest request body (default 16777216)
  --admin-token T              turns authentication on (default $VERSO_ADMIN_TOKEN; prefer the variable:
                               arguments show in ps). Without it verso serves loopback hosts only
  --token-cache DUR            how long a node trusts a token lookup (default 5s): the longest a
                               revocation on another node takes to reach this one, open reads included
                               (0 = ask every time; open reads are then checked every second)
  --heartbeat DUR              idle time before a watch stream sends progress (default 15s)
  --watch-buffer-bytes N       unsent bytes after which a slow watcher is cut off (default 1048576)
  --tls-cert FILE              serve HTTPS with this PEM certificate chain (with --tls-key); both files
  --tls-key FILE               are read again on SIGHUP, so certificates rotate without a restart
  --insecure-http              plain HTTP on a non-loopback host, because TLS ends in a proxy in front

  --agent-stale-after DUR      an agent silent this long is stale (default 60s)
  --agent-behind-after DUR     a reporting agent lacking a change older than this is behind (default 5s)
  --log-level LEVEL            fatal, error, warn, info (default), debug, trace or silent
  --log-format json|pretty     one JSON object per line, or the same for a person ($VERSO_LOG_FORMAT; default: pretty on a
                               terminal, json otherwise); a line per request, and start, stop, maintenance`;

export async function serveCommand(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      db: { type: "string" },
      postgres: { type: "string" },
      "pg-listen-url": { type: "string" },
      "pg-schema": { type: "string", default: DEFAULT_SCHEMA },
      "pg-pool": { type: "string", default: "10" },
      "pg-notify": { type: "string", default: "in-transaction" },
      host: { type: "string", default: "127.0.0.1" },
      port: { type: "string", default: process.env.PORT ?? "7070" },
      synchronous: { type: "string", default: "full" },
      "skip-integrity-check": { type: "boolean", default: false },
      "writer-thread": { type: "boolean", default: false },
      "no-group-commit": { type: "boolean", default: false },
      "tombstone-retention": { type: "string", default: "7d" },
      "idempotency-retention": { type: "string", default: "24h" },
      "max-request-bytes": { type: "string" },
      "admin-token": { type: "string" },
      "token-cache": { type: "string", default: "5s" },
      heartbeat: { type: "string", default: "15s" },
      "watch-buffer-bytes": { type: "string" },
      "tls-cert": { type: "string" },
      "tls-key": { type: "string" },
      "insecure-http": { type: "boolean", default: false },
      "agent-stale-after": { type: "string", default: "60s" },
      "agent-behind-after": { type: "string", default: "5s" },
      "log-level": { type: "string", default: "info" },
      "log-format": { type: "string" },
    },
    strict: true,
  });
  if (values.synchronous !== "full" && values.synchronous !== "normal") throw new UsageError("--synchronous must be full or normal");
  const listenPort = port(values.port);
  const storage = chooseStorage(values, process.env);
  const postgresUrl = storage.kind === "postgres" ? storage.url : undefined;
  const adminToken = values["admin-token"] || process.env.VERSO_ADMIN_TOKEN || undefined;
  if (adminToken !== undefined && adminToken.length < MIN_ADMIN_TOKEN_LENGTH) {
    throw new UsageError(`the admin token must be at least ${MIN_ADMIN_TOKEN_LENGTH} characters (e.g. openssl rand -base64 32)`);
  }
  const tls = readTlsFiles(values["tls-cert"], values["tls-key"]);
  const insecureHttp = values["insecure-http"];
  if (insecureHttp && tls) throw new UsageError("--insecure-http and --tls-cert contradict each other: choose one");
  try {
    checkBind(values.host, adminToken !== undefined, { tls: tls !== undefined, insecureHttp });
  } catch (error) {
    if (error instanceof UnauthenticatedBindError || error instanceof PlaintextBindError) throw new UsageError(error.message);
    throw error;
  }
  const poolSize = int(values["pg-pool"], "--pg-pool", 2);
  const notify = values["pg-notify"];
  if (notify !== "in-transaction" && notify !== "after-commit") throw new UsageError("--pg-notify must be in-transaction or after-commit");
  const tokenCacheMs = parseDuration(values["token-cache"], "--token-cache");
  const heartbeatMs = parseDuration(values.heartbeat, "--heartbeat");
  if (heartbeatMs < 1) throw new UsageError("--heartbeat must be at least 1ms");
  const watchBufferBytes =
    values["watch-buffer-bytes"] === undefined ? undefined : int(values["watch-buffer-bytes"], "--watch-buffer-bytes", 1);
  const maxRequestBytes =
    values["max-request-bytes"] === undefined ? undefined : int(values["max-request-bytes"], "--max-request-bytes", 1);
  const level = values["log-level"] as LogLevel;
  if (!LOG_LEVELS.includes(level)) throw new UsageError(`--log-level must be one of ${LOG_LEVELS.join(", ")}`);
  const format = values["log-format"] ?? process.env.VERSO_LOG_FORMAT ?? (process.stderr.isTTY ? "pretty" : "json");
  if (format !== "json" && format !== "pretty") throw new UsageError("--log-format must be json or pretty");
  const logger = createLogger({ level, format });
  const log = (line: string) => logger.info(line);
  const store = await openStore({
    ...(storage.kind === "sqlite" && { path: storage.path }),
    ...(postgresUrl && {
      postgres: {
        connectionString: postgresUrl,
        schema: values["pg-schema"],
        poolSize,
        notify,
        ...(values["pg-listen-url"] && { listenConnectionString: values["pg-listen-url"] }),
      },
    }),
    synchronous: values.synchronous,
    skipIntegrityCheck: values["skip-integrity-check"],
    writerThread: values["writer-thread"],
    maxBatch: values["no-group-commit"] ? 1 : 512,
    tombstoneRetentionMs: parseDuration(values["tombstone-retention"], "--tombstone-retention"),
    idempotencyRetentionMs: parseDuration(values["idempotency-retention"], "--idempotency-retention"),
    log,
    onMigration: ({ version, description }) =>
      logger.info(
        { event: "migration", storage: storage.kind, version, description },
        `migrated to schema version ${version}: ${description}`,
      ),
  }).catch((error: unknown) => {
    throw storage.kind === "postgres" ? postgresFailure(error, storage) : error;
  });
  // This command opened the store, so it closes it: after the server stopped, or when it could not start.
  const server = await startServer({
    store,
    host: values.host,
    port: listenPort,
    log,
    logger,
    adminToken,
    tokenCacheMs,
    heartbeatMs,
    agents: {
      staleAfterMs: parseDuration(values["agent-stale-after"], "--agent-stale-after"),
      behindAfterMs: parseDuration(values["agent-behind-after"], "--agent-behind-after"),
    },
    ...(maxRequestBytes !== undefined && { maxRequestBytes }),
    ...(watchBufferBytes !== undefined && { watchBufferBytes }),
    ...(tls && { tls }),
    insecureHttp,
  }).catch(async (error: unknown) => {
    await store.close();
    throw error;
  });
  stopOnSignals(async () => {
    await server.stop();
    await store.close();
  }, log);
  if (tls) reloadTlsOnHangup(server, values["tls-cert"] ?? "", values["tls-key"] ?? "", log);
  const backend =
    storage.kind === "postgres"
      ? `postgres ${redact(storage.url)} schema ${values["pg-schema"]}`
      : `sqlite ${storage.path}${storage.created ? " (new file)" : ""}, synchronous=${values.synchronous}${values["writer-thread"] && storage.path !== ":memory:" ? ", writer thread" : ""}`;
  log(`serving ${server.url} (${backend}, group commit ${values["no-group-commit"] ? "off" : "on"})`);
  if (adminToken === undefined) {
    log("no admin token: authentication is OFF and verso serves loopback only (set VERSO_ADMIN_TOKEN to serve other hosts)");
  } else {
    log("authentication on: requests need Authorization: Bearer <token> (manage tokens with `verso token`)");
  }
}

/**
 * SIGHUP re-reads the certificate and key: new connections get them, open ones keep the
 * old. A file that cannot be read or does not hold a valid pair keeps the old ones.
 */
function reloadTlsOnHangup(server: RunningServer, certFile: string, keyFile: string, log: (line: string) => void): void {
  process.on("SIGHUP", () => {
    try {
      const tls = readTlsFiles(certFile, keyFile);
      if (tls) server.reloadTls(tls);
      log(`SIGHUP: reloaded the TLS certificate from ${certFile}`);
    } catch (error) {
      log(`SIGHUP: kept the current TLS certificate: ${(error as Error).message}`);
    }
  });
}
