/**
 * `verso agent --metrics HOST:PORT`: the agent's own Prometheus endpoint (`GET /metrics`),
 * fed by the replica's events. It lives with the command, not in `verso/agent`, so the
 * library loads no metrics package.
 */
import { createServer, type Server } from "node:http";
import { Counter, Gauge, Registry } from "prom-client";
import type { Replica } from "../agent/replica.js";
import { UsageError } from "./usage-error.js";

export function parseListen(text: string): { host: string; port: number } {
  const at = text.lastIndexOf(":");
  const host = text.slice(0, at).replace(/^\[(.*)\]$/, "$1");
  const port = Number(text.slice(at + 1));
  if (at < 1 || !Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError("--metrics must be HOST:PORT");
  return { host, port };
}

/** Starts the endpoint; resolves with the server once it listens. */
export async function serveAgentMetrics(replica: Replica, listen: string): Promise<Server> {
  const registry = new Registry();
  const labels = { region: replica.region };
  const registers = [registry];
  const gauge = (name: string, help: string, read: () => number) =>
    new Gauge({
      name,
      help,
      labelNames: ["region"] as const,
      registers,
      collect() {
        this.set(labels, read());
      },
    });
  const counter = (name: string, help: string) => {
    const made = new Counter({ name, help, labelNames: ["region"] as const, registers });
    made.inc(labels, 0);
    return made;
  };
  gauge("verso_agent_applied_version", "Cursor of the rows the agent's readers see", () => replica.cursor ?? 0);
  gauge("verso_agent_head_version", "The region's head as last reported by the server", () => replica.head);
  gauge("verso_agent_lag_versions", "Versions the applied rows are behind the known head", () => replica.lag);
  gauge("verso_agent_pending_changes", "Changes applied but not yet handled", () => replica.pendingChanges);
  const pages = counter("verso_agent_pages_total", "Feed pages applied");
  const ops = counter("verso_agent_ops_total", "Ops received in feed pages");
  const resets = counter("verso_agent_resets_total", "Resets swapped in");
  const reconnects = counter("verso_agent_reconnects_total", "Connections to the server lost and retried");
  const failures = counter("verso_agent_handler_failures_total", "Handler (--exec) runs that failed and are retried");
  replica.on("page", (page) => {
    pages.inc(labels);
    ops.inc(labels, page.ops);
  });
  replica.on("reset", () => resets.inc(labels));
  replica.on("disconnect", () => reconnects.inc(labels));
  replica.on("handlerError", () => failures.inc(labels));

  const { host, port } = parseListen(listen);
  const server = createServer((request, response) => {
    if (request.method !== "GET" || request.url?.split("?")[0] !== "/metrics") {
      response.writeHead(404, { "content-type": "text/plain" }).end("not found: GET /metrics\n");
      return;
    }
    registry.metrics().then(
      (text) => response.writeHead(200, { "content-type": registry.contentType }).end(text),
      (error: Error) => response.writeHead(500, { "content-type": "text/plain" }).end(`${error.message}\n`),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, resolve);
  });
  server.unref();
  return server;
}
