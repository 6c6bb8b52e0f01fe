/** `verso agent`: keeps a local replica of a region and reports its progress and changes. */
import { spawn } from "node:child_process";
import { parseArgs } from "node:util";
import { type ListenAddress, parseListenAddress } from "../agent/listen-address.js";
import { startReadListener } from "../agent/read-listener.js";
import { Replica } from "../agent/replica.js";
import type { ChangeOp } from "../agent/replica-store.js";
import { VersoClient } from "../client/http-client.js";
import { isLoopback } from "../model/loopback.js";
import { nameProblem } from "../protocol/names.js";
import { parseSchemaSelection, type SchemaSelection } from "../protocol/schemas.js";
import { attachAgentOutput } from "./agent-output.js";
import { serverUrl } from "./connection.js";
import { parseDuration } from "./durations.js";
import { int, outputFormat } from "./inputs.js";
import { trustingFetch } from "./tls-files.js";
import { UsageError } from "./usage-error.js";

/** `--schema deployments=1 --schema gateways=2` (or comma-separated) as one selection. */
function schemaOption(texts: readonly string[]): SchemaSelection | undefined {
  if (texts.length === 0) return undefined;
  const parsed = parseSchemaSelection(texts.join(","), "=");
  if (typeof parsed === "string") throw new UsageError(`--schema: ${parsed}`);
  for (const collection of Object.keys(parsed)) {
    const problem = nameProblem("collection", collection);
    if (problem) throw new UsageError(`--schema: ${problem}`);
  }
  return parsed;
}

export const AGENT_USAGE = `verso agent --server URL --region R --replica PATH [options]
  --token T                  bearer token (or $VERSO_TOKEN)
  --ca FILE                  PEM file of a private CA to trust for an https server (or $VERSO_CA)
  --name NAME                this agent's name in the server's fleet view (verso agents)
  --exec CMD                 run CMD (with sh -c) for each change, in order, one at a time, at least
                             once: the change as JSON on stdin ({"op","collection","key","version","value"?});
                             a non-zero exit is retried with backoff before anything after it
  --transport watch|poll     watch (default; falls back to poll without a watch endpoint) or long-poll
  --page-limit N             ops per page asked from the server
  --schema C=N               hold the values of collection C at its schema version N (repeatable); kept in
                             the replica file, and another selection on a later start rebuilds the replica
  --status-interval DUR      how often to print cursor, head and lag, and the longest time between two
                             reports to the server (default 10s; 0 = print only on ready, report every 10s)
  --metrics HOST:PORT        serve the agent's Prometheus metrics at http://HOST:PORT/metrics
  --listen HOST:PORT|unix:P  serve reads of the replica over HTTP (GET of the region, rows, the change feed
                             and watch stream, /healthz; minVersion and timeoutMs as on the server);
                             loopback only without --listen-token
  --listen-token T           bearer token the listener's readers must send (or $VERSO_LISTEN_TOKEN)
  --listen-nice N            niceness of the listener's thread, 0-19 (default 10, Linux): under many
                             readers replication keeps the CPU first
  --tombstone-retention DUR  how long the replica keeps deletes for its own feed (default 7d; 0 keeps them)
  -o human|json              output format (json: one object per line, every change and page included)
  -v                         human form: one line per change with its value (default: one summary per page)`;

export async function agentCommand(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      server: { type: "string" },
      region: { type: "string" },
      token: { type: "string" },
      ca: { type: "string" },
      replica: { type: "string" },
      exec: { type: "string" },
      name: { type: "string" },
      metrics: { type: "string" },
      transport: { type: "string", default: "watch" },
      "page-limit": { type: "string" },
      schema: { type: "string", multiple: true },
      "status-interval": { type: "string", default: "10s" },
      listen: { type: "string" },
      "listen-token": { type: "string" },
      "listen-nice": { type: "string" },
      "tombstone-retention": { type: "string", default: "7d" },
      output: { type: "string", short: "o", default: "human" },
      verbose: { type: "boolean", short: "v", default: false },
    },
    allowPositionals: true,
    strict: true,
  });
  if (positionals.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(positionals[0])}`);
  if (!values.region) throw new UsageError("--region is required");
  if (!values.replica) throw new UsageError("--replica PATH is required (the local SQLite file)");
  if (values.transport !== "watch" && values.transport !== "poll") throw new UsageError("--transport must be watch or poll");
  const format = outputFormat(values.output);
  const server = serverUrl(values.server);
  const pageLimit = values["page-limit"] === undefined ? undefined : int(values["page-limit"], "--page-limit", 1);
  const statusEvery = parseDuration(values["status-interval"], "--status-interval");
  const tombstoneRetentionMs = parseDuration(values["tombstone-retention"], "--tombstone-retention");
  const token = values.token ?? process.env.VERSO_TOKEN;
  const fetch = trustingFetch(values.ca ?? process.env.VERSO_CA);
  const exec = values.exec;
  const schemas = schemaOption(values.schema ?? []);
  const listen = listenSettings(values.listen, values["listen-token"] ?? process.env.VERSO_LISTEN_TOKEN);
  const listenNice = values["listen-nice"] === undefined ? undefined : int(values["listen-nice"], "--listen-nice", 0);
  if (listenNice !== undefined && !listen) throw new UsageError("--listen-nice needs --listen");
  if (listenNice !== undefined && listenNice > 19) throw new UsageError("--listen-nice must be at most 19");

  const out = (json: Record<string, unknown>, human: string) =>
    process.stdout.write(`${format === "json" ? JSON.stringify(json) : human}\n`);
  // Listeners are attached before start(), so they also hear what a previous run left unhandled.
  const replica = new Replica({
    server,
    region: values.region,
    path: values.replica,
    transport: values.transport,
    ...(token && { token }),
    ...(fetch && { client: new VersoClient({ server, ...(token && { token }), fetch }) }),
    ...(pageLimit !== undefined && { pageLimit }),
    ...(schemas !== undefined && { schemas }),
    ...(values.name !== undefined && { name: values.name }),
    ...(statusEvery > 0 && { statusIntervalMs: statusEvery }),
    tombstoneRetentionMs,
    ...(exec !== undefined && { onChange: (change: ChangeOp) => runExec(exec, change, values.region ?? "") }),
  });
  const status = (event: string) => {
    output.flush();
    out(
      { event, cursor: replica.cursor ?? null, head: replica.head, lag: replica.lag, epoch: replica.epoch ?? null },
      `${event}: cursor ${replica.cursor ?? "-"}, head ${replica.head}, lag ${replica.lag}`,
    );
  };
  const output = attachAgentOutput(replica, {
    format,
    verbose: values.verbose === true,
    tty: process.stdout.isTTY === true,
    out: (text) => process.stdout.write(text),
    err: (text) => process.stderr.write(text),
  });
  replica.on("ready", () => status("ready"));
  replica.on("fallback", (reason) => process.stderr.write(`verso agent: ${reason}\n`));
  replica.on("handlerError", ({ change, error, retryInMs }) =>
    process.stderr.write(
      `verso agent: --exec failed for v${change.version} ${change.collection}/${change.key}: ${error.message}; retrying in ${retryInMs} ms\n`,
    ),
  );
  if (values.metrics !== undefined) {
    const { serveAgentMetrics } = await import("./agent-metrics.js");
    const server = await serveAgentMetrics(replica, values.metrics);
    const address = server.address();
    const port = typeof address === "object" && address ? address.port : 0;
    process.stderr.write(`verso agent: metrics at http://${values.metrics.replace(/:\d+$/, `:${port}`)}/metrics\n`);
  }
  const timer = statusEvery > 0 ? setInterval(() => status("status"), statusEvery) : undefined;
  status("start");
  const listener =
    listen && (await startReadListener({ replica, server, ...listen, ...(listenNice !== undefined && { nice: listenNice }) }));
  if (listener) out({ event: "listen", address: listener.address }, `listening for reads on ${listener.address}`);
  replica.start();

  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) process.exit(1);
    stopping = true;
    clearInterval(timer);
    process.stderr.write(`verso agent: ${signal}: stopping\n`);
    Promise.resolve(listener?.stop())
      .then(() => replica.stop())
      .then(
        () => process.exit(0),
        () => process.exit(1),
      );
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}

function listenSettings(listen: string | undefined, token: string | undefined): { address: ListenAddress; token?: string } | undefined {
  if (listen === undefined) {
    if (token !== undefined) throw new UsageError("--listen-token needs --listen");
    return undefined;
  }
  let address: ListenAddress;
  try {
    address = parseListenAddress(listen);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (address.kind === "tcp" && token === undefined && !isLoopback(address.host)) {
    throw new UsageError(`--listen ${listen} is not a loopback address: set --listen-token, or listen on 127.0.0.1`);
  }
  return { address, ...(token !== undefined && { token }) };
}

/** Runs the --exec command for one change and waits for it; a non-zero exit is an error. */
function runExec(command: string, change: ChangeOp, region: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn("sh", ["-c", command], {
      stdio: ["pipe", "inherit", "inherit"],
      env: { ...process.env, VERSO_REGION: region, VERSO_VERSION: String(change.version) },
    });
    child.on("error", reject);
    child.on("exit", (code, signal) => (code === 0 ? resolve() : reject(new Error(signal ? `killed by ${signal}` : `exit code ${code}`))));
    child.stdin.on("error", () => {}); // a command that does not read stdin is fine
    child.stdin.end(`${JSON.stringify(change)}\n`);
  });
}
