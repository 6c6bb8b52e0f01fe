/**
 * A server under test, run in its own process so that it does not share an event loop
 * with the load generator. `verso <db> <full|normal> <maxBatch> [writer-thread]` runs startServer over openStore
 * (with `writer-thread`, SQLite commits on a worker thread);
 * `bare` runs node:http answering a fixed JSON body (after reading the request body),
 * the least any HTTP server does; `endpoint` runs verso's Restate SDK endpoint. Prints {"url": ...} once listening; stops on SIGTERM,
 * or when its stdin closes (the benchmark process ended, however it ended).
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { openStore } from "../src/open-store.js";
import { startServer } from "../src/server/serve.js";

const [kind, path, synchronous, maxBatch, writer] = process.argv.slice(2);

function ready(url: string): void {
  process.stdout.write(`${JSON.stringify({ url })}\n`);
}

function onParentGone(stop: () => void): void {
  process.stdin.on("end", stop).on("error", stop).resume();
}

if (kind === "verso") {
  if (!path || (synchronous !== "full" && synchronous !== "normal"))
    throw new Error("usage: verso <db> <full|normal> <maxBatch> [writer-thread]");
  const writerThread = writer === "writer-thread";
  const store = await openStore({ path, synchronous, writerThread, maxBatch: Number(maxBatch ?? 512), maintenanceIntervalMs: 0 });
  const server = await startServer({ store, port: 0, log: () => {} });
  const stop = () =>
    void server
      .stop()
      .then(() => store.close())
      .then(() => process.exit(0));
  process.on("SIGTERM", stop);
  onParentGone(stop);
  ready(server.url);
} else if (kind === "bare") {
  const body = JSON.stringify({ region: "bench-1", collection: "deployments", key: "d1", version: 1 });
  const server = createServer((request, response) => {
    request.resume();
    request.on("end", () => {
      response.writeHead(200, { "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(body) });
      response.end(body);
    });
  });
  server.listen(0, "127.0.0.1", () => ready(`http://127.0.0.1:${(server.address() as AddressInfo).port}`));
  const stop = () => server.close(() => process.exit(0));
  process.on("SIGTERM", stop);
  onParentGone(stop);
} else if (kind === "endpoint") {
  const { startEndpoint } = await import("../src/restate/endpoint.js");
  const endpoint = await startEndpoint({ port: 0, logLevel: "error" });
  const stop = () => void endpoint.stop().then(() => process.exit(0));
  process.on("SIGTERM", stop);
  onParentGone(stop);
  ready(endpoint.url);
} else {
  throw new Error("usage: http-target.ts verso <db> <full|normal> <maxBatch> [writer-thread] | bare | endpoint");
}
