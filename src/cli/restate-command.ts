/** `verso restate serve|register|status`: run the SDK endpoint and roll out its revisions. */
import { parseArgs } from "node:util";
import { RestateAdmin, RestateAdminError, type ServiceInfo } from "../restate/admin.js";
import { DEFAULT_FEED_PATH, FeedTable } from "../restate/feed-table.js";
import { type RolloutStatus, rolloutStatus } from "../restate/rollout-status.js";
import { outputFormat, port } from "./inputs.js";
import { print, table } from "./output.js";
import { UsageError } from "./usage-error.js";

const DEFAULT_ADMIN = "http://127.0.0.1:9070";

export const RESTATE_USAGE = `restate commands (Restate's admin API: --admin URL or $RESTATE_ADMIN_URL, default ${DEFAULT_ADMIN}; -o human|json):
  verso restate serve [--port P] [--host H] [--feed PATH] [--label L]
                                          the SDK endpoint (HTTP/2; default port 9080): VersioningService and
                                          RegionWriter (rows in the SQLite file PATH, default ${DEFAULT_FEED_PATH});
                                          answers carry --label (default verso@host:port) as servedBy
  verso restate register --uri URL [--force]
                                          registers the endpoint at URL; services already known get a new revision.
                                          --force overrides a deployment with the same URI and allows breaking
                                          changes (in-flight invocations of the old shape may fail)
  verso restate status                    services and revisions, deployments with their in-flight invocations,
                                          and which old deployments are drained and safe to remove`;

export async function restateCommand(argv: string[]): Promise<boolean> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      admin: { type: "string", default: process.env.RESTATE_ADMIN_URL ?? DEFAULT_ADMIN },
      uri: { type: "string" },
      force: { type: "boolean", default: false },
      port: { type: "string", default: process.env.PORT ?? "9080" },
      host: { type: "string", default: "127.0.0.1" },
      feed: { type: "string", default: process.env.VERSO_RESTATE_FEED ?? DEFAULT_FEED_PATH },
      label: { type: "string" },
      output: { type: "string", short: "o", default: "human" },
    },
    allowPositionals: true,
    strict: true,
  });
  const format = outputFormat(values.output);
  const [sub, ...rest] = positionals;
  if (rest.length > 0) throw new UsageError(`unexpected arguments: ${rest.join(" ")}`);
  const admin = new RestateAdmin(values.admin, reachable(values.admin));
  switch (sub) {
    case "serve":
      await serve(values.host, values.port, values.feed, values.label);
      return true;
    case "register": {
      if (!values.uri) throw new UsageError("usage: verso restate register --uri URL [--force]");
      const registered = await admin.register(values.uri, { force: values.force }).catch((error: unknown) => {
        if (error instanceof RestateAdminError && error.status === 409 && !values.force) {
          throw new Error(
            `${error.message}\nthis change is incompatible with the registered revision: give the service a new name, or pass --force (in-flight invocations of the old shape may then fail)`,
          );
        }
        throw error;
      });
      print(format, registered, () => `registered deployment ${registered.id} (${values.uri})\n${servicesTable(registered.services)}`);
      return false;
    }
    case "status": {
      const [services, deployments, inFlight] = await Promise.all([admin.services(), admin.deployments(), admin.inFlightByDeployment()]);
      const status = rolloutStatus(services, deployments, inFlight);
      print(format, status, () => statusText(status));
      return false;
    }
    default:
      throw new UsageError(`usage: verso restate serve|register|status (got ${JSON.stringify(sub ?? "")})`);
  }
}

async function serve(host: string, portText: string, feedPath: string, label: string | undefined): Promise<void> {
  const listenPort = port(portText);
  // The SDK is loaded only here, so other commands do not pay for it.
  const { startEndpoint } = await import("../restate/endpoint.js");
  const feed = new FeedTable(feedPath);
  const endpoint = await startEndpoint({ host, port: listenPort, feed, ...(label !== undefined && { servedBy: label }), logLevel: "warn" });
  const log = (line: string) => process.stderr.write(`verso: ${line}\n`);
  log(`restate endpoint ${endpoint.url} serving VersioningService, RegionWriter (feed ${feedPath}) as ${endpoint.servedBy}`);
  log(`register it: verso restate register --uri ${endpoint.url}`);
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) process.exit(1);
    stopping = true;
    log(`${signal}: stopping`);
    endpoint.stop().then(
      () => {
        feed.close();
        process.exit(0);
      },
      () => process.exit(1),
    );
  };
  process.on("SIGTERM", onSignal);
  process.on("SIGINT", onSignal);
}

/** fetch that names the admin URL when Restate cannot be reached (not verso's own server). */
function reachable(adminUrl: string): typeof fetch {
  return async (input, init) => {
    try {
      return await fetch(input, init);
    } catch (error) {
      const cause = (error as Error & { cause?: Error }).cause;
      throw new Error(
        `cannot reach Restate's admin API at ${adminUrl} (${cause?.message ?? (error as Error).message}); is restate-server running?`,
      );
    }
  };
}

function servicesTable(services: ServiceInfo[]): string {
  return table([
    ["SERVICE", "TYPE", "REVISION", "DEPLOYMENT"],
    ...services.map((s) => [s.name, s.ty, String(s.revision), s.deployment_id]),
  ]);
}

function statusText(status: RolloutStatus): string {
  const state = { serving: "serving", draining: "draining", drained: "drained, safe to remove" };
  const lines = [
    status.services.length === 0 ? "no services registered" : servicesTable(status.services),
    "",
    table([
      ["DEPLOYMENT", "ENDPOINT", "SERVICES", "IN-FLIGHT", "STATE"],
      ...status.deployments.map((d) => [
        d.id,
        d.endpoint,
        d.services.map((s) => `${s.name}@${s.revision}`).join(","),
        String(d.inFlight),
        state[d.state],
      ]),
    ]),
  ];
  if (status.unpinned > 0) lines.push("", `${status.unpinned} invocation(s) waiting to start: they will run on the latest revisions`);
  for (const d of status.deployments) {
    if (d.state === "draining") lines.push("", `${d.id} still runs ${d.inFlight} invocation(s) of old revisions: keep ${d.endpoint} up`);
    if (d.removable) lines.push("", `${d.id} is drained: stop ${d.endpoint} and remove it (DELETE /deployments/${d.id}?force=true)`);
  }
  return lines.join("\n");
}
