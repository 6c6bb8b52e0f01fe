/**
 * A server under test, run in its own process so that it does not share an event loop
 * with the load generator. `verso <db> <full|normal> <maxBatch> [writer-thread]` runs startServer over openStore
 * (with `writer-thread`, SQLite commits on a worker thread);
 * `bare` runs node:http answering a fixed JSON body (after reading the request body),
 * the least any HTTP server does; `bare-fsync <file>` answers the same body only after a
 * group fsync (the requests read in one event-loop turn share one 4 KiB write and one
 * fdatasync of <file>, on the loop, as verso's group commit does), the least a durable
 * write costs; `bare-sqlite <db>` answers a row read with one prepared SQLite statement,
 * the least a stored read costs; `endpoint` runs verso's Restate SDK endpoint. Prints {"url": ...} once listening; stops on SIGTERM,
 * or when its stdin closes (the benchmark process ended, however it ended).
 */
import { fdatasyncSync, openSync, writeSync } from "node:fs";
import { createServer, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { openStore } from "../src/open-store.js";
import { startServer } from "../src/server/serve.js";
import { COLLECTION, KEY_SPACE, keyFor, VALUE } from "./workload.js";

const [kind, path, synchronous, maxBatch, writer] = process.argv.slice(2);

function ready(url: string): void {
  process.stdout.write(`${JSON.stringify({ url })}\n`);
}

function onParentGone(stop: () => void): void {
  process.stdin.on("end", stop).on("error", stop).resume();
}

/** A bare node:http server: listens on a free port, says where, stops on SIGTERM or when the parent goes. */
function serveBare(server: Server): void {
  server.listen(0, "127.0.0.1", () => ready(`http://127.0.0.1:${(server.address() as AddressInfo).port}`));
  const stop = () => server.close(() => process.exit(0));
  process.on("SIGTERM", stop);
  onParentGone(stop);
}

function answerJson(response: ServerResponse, body: string): void {
  response.writeHead(200, { "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(body) });
  response.end(body);
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
      answerJson(response, body);
    });
  });
  serveBare(server);
} else if (kind === "bare-fsync") {
  if (!path) throw new Error("usage: bare-fsync <file>");
  const fd = openSync(path, "w");
  const page = Buffer.alloc(4096, 1);
  const body = JSON.stringify({ region: "bench-1", collection: "deployments", key: "d1", version: 1 });
  let waiting: ServerResponse[] = [];
  let offset = 0;
  const commit = () => {
    const answered = waiting;
    waiting = [];
    // Overwrites within a bounded file, as a WAL that has been checkpointed is reused.
    writeSync(fd, page, 0, page.length, offset);
    offset = (offset + page.length) % (page.length * 1024);
    fdatasyncSync(fd);
    for (const response of answered) {
      answerJson(response, body);
    }
  };
  const server = createServer((request, response) => {
    request.resume();
    request.on("end", () => {
      if (waiting.length === 0) setImmediate(commit);
      waiting.push(response);
    });
  });
  serveBare(server);
} else if (kind === "bare-sqlite") {
  if (!path) throw new Error("usage: bare-sqlite <db>");
  const { default: Database } = await import("better-sqlite3");
  const db = new Database(path);
  db.pragma("journal_mode = WAL");
  db.exec("CREATE TABLE IF NOT EXISTS rows (collection TEXT, key TEXT, version INTEGER, value TEXT, PRIMARY KEY (collection, key))");
  const insert = db.prepare("INSERT OR REPLACE INTO rows VALUES (?, ?, ?, ?)");
  for (let i = 0; i < KEY_SPACE; i++) insert.run(COLLECTION, keyFor(i), i + 1, JSON.stringify(VALUE));
  const read = db.prepare<[string, string], { version: number; value: string }>(
    "SELECT version, value FROM rows WHERE collection = ? AND key = ?",
  );
  const server = createServer((request, response) => {
    // /v1/regions/R/collections/C/rows/K, the path verso serves the same read on.
    const [, , , region, , collection = "", , key = ""] = (request.url ?? "").split("/");
    const row = read.get(collection, key);
    if (!row) {
      response.writeHead(404).end();
      return;
    }
    const body = `{"region":${JSON.stringify(region)},"collection":${JSON.stringify(collection)},"key":${JSON.stringify(key)},"version":${row.version},"value":${row.value}}`;
    answerJson(response, body);
  });
  serveBare(server);
} else if (kind === "endpoint") {
  const { startEndpoint } = await import("../src/restate/endpoint.js");
  const endpoint = await startEndpoint({ port: 0, logLevel: "error" });
  const stop = () => void endpoint.stop().then(() => process.exit(0));
  process.on("SIGTERM", stop);
  onParentGone(stop);
  ready(endpoint.url);
} else {
  throw new Error(
    "usage: http-target.ts verso <db> <full|normal> <maxBatch> [writer-thread] | bare | bare-fsync <file> | bare-sqlite <db> | endpoint",
  );
}
