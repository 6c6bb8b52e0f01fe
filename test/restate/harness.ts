/**
 * Starts a real restate-server for a test: a temporary base dir, free loopback
 * ports (ingress, admin, node-to-node), two partitions and small memory budgets so
 * it stays light on a shared machine, no telemetry. Ready once both health
 * endpoints answer; stopped by signalling its process group, then the dir is removed.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import { arch, platform, tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as delay } from "node:timers/promises";

export interface RestateServer {
  ingress: string;
  admin: string;
  baseDir: string;
  /** The server's log so far (for failure messages). */
  log: () => string;
  stop: () => Promise<void>;
}

const READY_DEADLINE_MS = 30_000;
const STOP_DEADLINE_MS = 10_000;

export function restateServerBinary(): string {
  if (process.env.RESTATE_SERVER_BIN) return process.env.RESTATE_SERVER_BIN;
  return createRequire(import.meta.url).resolve(`@restatedev/restate-server-${platform()}-${arch()}/bin/restate-server`);
}

export async function startRestateServer(): Promise<RestateServer> {
  const baseDir = mkdtempSync(join(tmpdir(), "verso-restate-"));
  const [ingressPort, adminPort, nodePort] = await freePorts(3);
  const config = join(baseDir, "restate.toml");
  writeFileSync(
    config,
    `listen-mode = "tcp"
bind-ip = "127.0.0.1"
bind-port = ${nodePort}
node-name = "verso-test"
default-num-partitions = 2
disable-telemetry = true
rocksdb-total-memory-size = "256 MiB"
log-format = "compact"
log-disable-ansi-codes = true
shutdown-timeout = "5s"

[ingress]
bind-port = ${ingressPort}

[admin]
bind-port = ${adminPort}
disable-web-ui = true

[admin.query-engine]
memory-size = "64 MiB"
`,
  );
  const logPath = join(baseDir, "server.log");
  const logFd = openSync(logPath, "a");
  const child = spawn(restateServerBinary(), ["--config-file", config, "--base-dir", join(baseDir, "data"), "--no-logo"], {
    detached: true,
    stdio: ["ignore", logFd, logFd],
    env: { ...process.env, SCARF_ANALYTICS: "false", DO_NOT_TRACK: "1" },
  });
  const log = () => readFileSync(logPath, "utf8");
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const server: RestateServer = {
    ingress: `http://127.0.0.1:${ingressPort}`,
    admin: `http://127.0.0.1:${adminPort}`,
    baseDir,
    log,
    stop: async () => {
      await stopGroup(child, exited);
      rmSync(baseDir, { recursive: true, force: true });
    },
  };
  try {
    await waitReady(server, child);
  } catch (error) {
    const tail = log().split("\n").slice(-30).join("\n");
    await server.stop();
    throw new Error(`${(error as Error).message}\n--- restate-server log ---\n${tail}`);
  }
  return server;
}

async function waitReady(server: RestateServer, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + READY_DEADLINE_MS;
  const ok = async (url: string) => {
    try {
      return (await fetch(url, { signal: AbortSignal.timeout(1000) })).ok;
    } catch {
      return false;
    }
  };
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(`restate-server exited (${child.exitCode ?? child.signalCode})`);
    if ((await ok(`${server.admin}/health`)) && (await ok(`${server.ingress}/restate/health`))) return;
    await delay(50);
  }
  throw new Error(`restate-server not ready within ${READY_DEADLINE_MS} ms`);
}

async function stopGroup(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const signalGroup = (signal: NodeJS.Signals) => {
    try {
      process.kill(-(child.pid as number), signal);
    } catch {}
  };
  signalGroup("SIGTERM");
  const timer = setTimeout(() => signalGroup("SIGKILL"), STOP_DEADLINE_MS);
  await exited;
  clearTimeout(timer);
}

/** Ports the OS reports free on 127.0.0.1, all held at once so they are distinct. */
async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<ReturnType<typeof createServer>>((resolve, reject) => {
          const s = createServer();
          s.once("error", reject);
          s.listen(0, "127.0.0.1", () => resolve(s));
        }),
    ),
  );
  const ports = servers.map((s) => (s.address() as { port: number }).port);
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  return ports;
}
