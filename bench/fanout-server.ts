/**
 * Child process of bench/fanout.ts: a verso server on an ephemeral port. Answers the
 * parent's questions about its memory and CPU over IPC, so that the figures are the
 * server's alone and not mixed with the clients'.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openStore } from "../src/open-store.js";
import { startServer } from "../src/server/serve.js";

type Request = { type: "memory" } | { type: "cpu" } | { type: "stop" };

const collect = (globalThis as { gc?: () => void }).gc;
const dir = mkdtempSync(join(tmpdir(), "verso-fanout-"));
const store = await openStore({ path: join(dir, "verso.db"), maintenanceIntervalMs: 0 });
const server = await startServer({ store, port: 0, log: () => {} });

// The orchestrator going away (even by kill -9) must not leave this process behind.
process.on("disconnect", () => void shutdown());

let stopping: Promise<void> | undefined;
function shutdown(): Promise<void> {
  stopping ??= server
    .stop()
    .then(() => store.close())
    .finally(() => rmSync(dir, { recursive: true, force: true }));
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
