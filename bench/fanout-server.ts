/**
 * Child process of bench/fanout.ts and bench/fanout-stalled.ts: a server on an ephemeral
 * port. Answers the parent's questions about its memory and CPU over IPC, so that the
 * figures are the server's alone and not mixed with the clients'.
 *
 * `verso` (the default): startServer over openStore, synchronous=FULL.
 * `raw`: the least a server can do for the same clients, the same-run baseline of the
 * fan-out: node:http holding every watch response open; a PUT is answered with the next
 * version and, one turn later, one prepared SSE event carrying it is written to every
 * held socket as one buffer (no storage, no reads, no per-watcher work).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openStore } from "../src/open-store.js";
import { startServer } from "../src/server/serve.js";

type Request = { type: "memory" } | { type: "cpu" } | { type: "stop" };

const kind = process.argv[2] ?? "verso";
const collect = (globalThis as { gc?: () => void }).gc;

async function verso(): Promise<{ url: string; stop: () => Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), "verso-fanout-"));
  const store = await openStore({ path: join(dir, "verso.db"), maintenanceIntervalMs: 0 });
  const server = await startServer({ store, port: 0, log: () => {} });
  return {
    url: server.url,
    stop: () =>
      server
        .stop()
        .then(() => store.close())
        .finally(() => rmSync(dir, { recursive: true, force: true })),
  };
}

async function raw(): Promise<{ url: string; stop: () => Promise<void> }> {
  const watchers = new Set<ServerResponse>();
  let version = 0;
  const server = createServer((request, response) => {
    if (request.method === "GET") {
      response.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-store" });
      response.write(`event: progress\ndata: {"head":${version}}\n\n`);
      watchers.add(response);
      response.on("close", () => watchers.delete(response));
      return;
    }
    request.resume();
    request.on("end", () => {
      version++;
      response.writeHead(200, { "content-type": "application/json" }).end(`{"version":${version}}`);
      const text = `event: changes\nid: raw:${version}\ndata: {"region":"fanout","epoch":"raw","reset":false,"ops":[],"cursor":${version},"head":${version},"more":false}\n\n`;
      const length = Buffer.byteLength(text);
      const chunk = Buffer.from(`${length.toString(16)}\r\n${text}\r\n`);
      setImmediate(() => {
        for (const watcher of watchers) watcher.socket?.write(chunk);
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    stop: async () => {
      for (const watcher of watchers) watcher.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

const server = kind === "raw" ? await raw() : await verso();

// The orchestrator going away (even by kill -9) must not leave this process behind.
process.on("disconnect", () => void shutdown());

let stopping: Promise<void> | undefined;
function shutdown(): Promise<void> {
  stopping ??= server.stop();
  return stopping;
}

process.on("message", async (message: Request) => {
  if (message.type === "memory") {
    // Twice: the first collection lets finalizers release what the second one frees.
    collect?.();
    collect?.();
    const { rss, heapUsed, external } = process.memoryUsage();
    process.send?.({ type: "memory", rss, heapUsed, external, collected: collect !== undefined });
  } else if (message.type === "cpu") {
    const { user, system } = process.cpuUsage();
    process.send?.({ type: "cpu", micros: user + system });
  } else if (message.type === "stop") {
    await shutdown();
    process.send?.({ type: "stopped" }, () => process.exit(0));
  }
});

process.send?.({ type: "ready", url: server.url });
