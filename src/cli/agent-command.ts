/** `verso agent`: keeps a local replica of a region and reports its progress and changes. */
import { spawn } from "node:child_process";
import { parseArgs } from "node:util";
import { Replica } from "../agent/replica.js";
import type { ChangeOp } from "../agent/replica-store.js";
import { serverUrl } from "./connection.js";
import { parseDuration } from "./durations.js";
import { int, outputFormat } from "./inputs.js";
import { UsageError } from "./usage-error.js";

export const AGENT_USAGE = `verso agent --server URL --region R --replica PATH [options]
  --token T                  bearer token (or $VERSO_TOKEN)
  --name NAME                this agent's name in the server's fleet view (verso agents)
  --exec CMD                 run CMD (with sh -c) for each change, in order, one at a time, at least
                             once: the change as JSON on stdin ({"op","collection","key","version","value"?});
                             a non-zero exit is retried with backoff before anything after it
  --transport watch|poll     watch (default; falls back to poll without a watch endpoint) or long-poll
  --page-limit N             ops per page asked from the server
  --status-interval DUR      how often to print cursor, head and lag, and the longest time between two
                             reports to the server (default 10s; 0 = print only on ready, report every 10s)
  --metrics HOST:PORT        serve the agent's Prometheus metrics at http://HOST:PORT/metrics
  -o human|json              output format (json: one object per line)`;

export async function agentCommand(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      server: { type: "string" },
      region: { type: "string" },
      token: { type: "string" },
      replica: { type: "string" },
      exec: { type: "string" },
      name: { type: "string" },
      metrics: { type: "string" },
      transport: { type: "string", default: "watch" },
      "page-limit": { type: "string" },
      "status-interval": { type: "string", default: "10s" },
      output: { type: "string", short: "o", default: "human" },
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
  const statusEvery = parseDuration(values["status-interval"]);
  const token = values.token ?? process.env.VERSO_TOKEN;
  const exec = values.exec;

  const out = (json: Record<string, unknown>, human: string) =>
    process.stdout.write(`${format === "json" ? JSON.stringify(json) : human}\n`);
  // Listeners are attached before start(), so they also hear what a previous run left unhandled.
  const replica = new Replica({
    server,
    region: values.region,
    path: values.replica,
    transport: values.transport,
    ...(token && { token }),
    ...(pageLimit !== undefined && { pageLimit }),
    ...(values.name !== undefined && { name: values.name }),
    ...(statusEvery > 0 && { statusIntervalMs: statusEvery }),
    ...(exec !== undefined && { onChange: (change: ChangeOp) => runExec(exec, change, values.region ?? "") }),
  });
  const status = (event: string) =>
    out(
      { event, cursor: replica.cursor ?? null, head: replica.head, lag: replica.lag, epoch: replica.epoch ?? null },
      `${event}: cursor ${replica.cursor ?? "-"}, head ${replica.head}, lag ${replica.lag}`,
    );
  replica.on("change", (change) =>
    out(
      { event: "change", ...change },
      `change v${change.version} ${change.op} ${change.collection}/${change.key}${change.op === "put" ? ` ${JSON.stringify(change.value)}` : ""}`,
    ),
  );
  // Machine-readable output also reports every page, so a supervisor can see what was fetched.
  if (format === "json") replica.on("page", (page) => out({ event: "page", ...page }, ""));
  replica.on("reset", (reset) =>
    out({ event: "reset", ...reset }, `reset: epoch ${reset.epoch || "-"}, cursor ${reset.cursor}, ${reset.rows} row(s)`),
  );
  replica.on("ready", () => status("ready"));
  replica.on("fallback", (reason) => process.stderr.write(`verso agent: ${reason}\n`));
  replica.on("disconnect", ({ error, retryInMs }) =>
    process.stderr.write(`verso agent: disconnected (${describe(error)}); reconnecting in ${retryInMs} ms\n`),
  );
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
  replica.start();

  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) process.exit(1);
    stopping = true;
    clearInterval(timer);
    process.stderr.write(`verso agent: ${signal}: stopping\n`);
    replica.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}

function describe(error: Error): string {
  const cause = (error as { cause?: { code?: string } }).cause;
  return cause?.code ? `${error.message}: ${cause.code}` : error.message;
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
