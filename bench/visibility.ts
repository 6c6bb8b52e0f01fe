/**
 * The cost of visibility: the same `verso serve` with everything an operator watches it
 * by turned on (JSON request logs written to a file, /metrics scraped, 1,000 agents
 * reporting at their real rate) against it with them off (logs silent, no scraper, no
 * agents). Measured: PUT throughput (wrk) and watch fan-out delivery p99. Goals: writes
 * ≥ 0.9× and fan-out p99 ≤ 1.1× of the server with them off.
 *
 *   node --import tsx bench/visibility.ts [--quick] [--runs N] [--agents 1000] [--status-interval 10000]
 *     [--scrape 1000] [--watchers 1000] [--writes 30] [--cpu-prof DIR]
 *
 * `--cpu-prof DIR` writes V8 CPU profiles of each server into DIR/on and DIR/off, one per
 * thread, the largest the main thread's (open it in Chrome's DevTools or summarise it with
 * bench/profile-summary.ts).
 *
 * Each server runs alone, pinned to core 0; wrk, the agents and the watchers' clients to
 * core 1 (pinning.ts). Every child and every wait is bounded; children are killed in
 * `finally`, and a watchdog ends the whole run if it outlives its budget.
 */
import { type ChildProcess, fork, spawn } from "node:child_process";
import { once } from "node:events";
import { closeSync, openSync, readFileSync, statSync } from "node:fs";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { ask, next } from "./ipc.js";
import { requestsPerSecond } from "./load-wrk.js";
import { median, percentile } from "./measure.js";
import { canPin, LOAD_CORE, pinProcess, SERVER_CORE } from "./pinning.js";
import { settingsFor } from "./settings.js";
import { tempDir } from "./temp.js";
import { COLLECTION, KEY_SPACE, REGION, VALUE } from "./workload.js";

const { values } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    runs: { type: "string" },
    agents: { type: "string", default: "1000" },
    "status-interval": { type: "string", default: "10000" },
    scrape: { type: "string", default: "1000" },
    watchers: { type: "string" },
    writes: { type: "string" },
    synchronous: { type: "string", default: "normal" },
    "cpu-prof": { type: "string" },
  },
});
const settings = settingsFor(values.quick, values.runs === undefined ? undefined : Number(values.runs));
const agents = Number(values.agents);
const statusIntervalMs = Number(values["status-interval"]);
const scrapeMs = Number(values.scrape);
const watchers = Number(values.watchers ?? (settings.quick ? 300 : 1000));
const writes = Number(values.writes ?? (settings.quick ? 20 : 30));
/**
 * `normal` by default: on a shared disk the time of an fsync swings several-fold from one
 * second to the next, which buries a 10 % effect; what visibility adds is CPU time, and
 * that is what is left to compare. `--synchronous full` measures with fsync.
 */
const synchronous = values.synchronous;
if (synchronous !== "normal" && synchronous !== "full") throw new Error("--synchronous must be normal or full");
const FANOUT_REGION = "fanout";
const WARMUP_WRITES = 5;
const now = () => performance.timeOrigin + performance.now();

const RUN_VERSO = fileURLToPath(new URL("./run-verso.ts", import.meta.url));
const children = new Set<ChildProcess>();
const killAll = () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
};
process.on("exit", killAll);
// A budget well above what the run needs: a hang ends the run with an error, not never.
const budgetMs = (settings.runs * (settings.httpSeconds * 2 + 60 + writes * 2) + 120) * 1000;
const watchdog = setTimeout(() => {
  process.stderr.write(`visibility: still running after ${budgetMs / 1000} s; stopping\n`);
  killAll();
  process.exit(1);
}, budgetMs);
watchdog.unref();

function track(child: ChildProcess): ChildProcess {
  children.add(child);
  child.once("exit", () => children.delete(child));
  return child;
}

/** SIGTERM, then SIGKILL if it has not gone within `graceMs`. */
async function stop(child: ChildProcess | undefined, graceMs = 10_000): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, "exit");
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
  await exited;
  clearTimeout(timer);
}

function pin(child: ChildProcess, core: number): void {
  if (canPin() && child.pid !== undefined) pinProcess(child.pid, core);
}

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const address = server.address();
  server.close();
  if (address === null || typeof address === "string") throw new Error("no port");
  return address.port;
}

interface Server {
  url: string;
  child: ChildProcess;
  logFile?: string;
}

/** `verso serve` on its own core; with `visible`, request logs go as JSON lines to a file. */
async function startServer(db: string, visible: boolean, logFile: string): Promise<Server> {
  const port = await freePort();
  const logs = visible ? ["--log-format", "json", "--log-level", "info"] : ["--log-level", "silent"];
  const fd = visible ? openSync(logFile, "w") : "ignore";
  const profile = values["cpu-prof"] ? ["--cpu-prof", "--cpu-prof-dir", `${values["cpu-prof"]}/${visible ? "on" : "off"}`] : [];
  const child = track(
    spawn(
      process.execPath,
      [...profile, "--import", "tsx", RUN_VERSO, "serve", "--db", db, "--port", String(port), "--synchronous", synchronous, ...logs],
      {
        stdio: ["ignore", "ignore", fd],
      },
    ),
  );
  if (typeof fd === "number") closeSync(fd);
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`verso serve exited with ${child.exitCode} before listening`);
    const ok = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2_000) }).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    if (Date.now() > deadline) throw new Error("verso serve did not answer /healthz within 30 s");
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  pin(child, SERVER_CORE);
  return { url, child, ...(visible && { logFile }) };
}

/** CPU time (user + system, ms) a process has used, from /proc; undefined where there is none. */
function cpuMs(pid: number | undefined): number | undefined {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
    // utime and stime are fields 14 and 15 of stat, 12 and 13 after the command; in clock ticks (100 per second).
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return undefined;
  }
}

function forkBench(file: string): ChildProcess {
  const child = track(fork(fileURLToPath(new URL(file, import.meta.url)), { execArgv: ["--import", "tsx"], stdio: "inherit" }));
  pin(child, LOAD_CORE);
  return child;
}

async function put(url: string, region: string, key: string, value: unknown): Promise<number> {
  const response = await fetch(`${url}/v1/regions/${region}/collections/services/rows/${key}`, {
    method: "PUT",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(value),
    signal: AbortSignal.timeout(10_000),
  });
  if (response.status !== 200) throw new Error(`write answered ${response.status}: ${await response.text()}`);
  return ((await response.json()) as { version: number }).version;
}

/** Delivery times (ms from the write's request to a watcher reading it) of `writes` writes to every watcher. */
async function fanout(url: string): Promise<{ p50: number; p99: number }> {
  const clients = forkBench("./fanout-clients.ts");
  try {
    await next(clients, "ready");
    let head = await put(url, FANOUT_REGION, "warm-up", { replicas: 1 });
    const connected = next(clients, "connected", 120_000);
    clients.send({ type: "start", url, region: FANOUT_REGION, watchers });
    await connected;
    const latencies: number[] = [];
    for (let i = -WARMUP_WRITES; i < writes; i++) {
      const cursor = head + 1;
      const arrived = next<{ times: number[] }>(clients, "arrived", 20_000);
      clients.send({ type: "expect", cursor });
      const started = now();
      head = await put(url, FANOUT_REGION, `svc-${(i + WARMUP_WRITES) % 10}`, { replicas: i, image: `registry.example/app:${i}` });
      if (head !== cursor) throw new Error(`expected version ${cursor}, the write got ${head}`);
      const { times } = await arrived;
      if (i >= 0) latencies.push(...times.map((t) => t - started));
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    latencies.sort((a, b) => a - b);
    return { p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
  } finally {
    await stop(clients, 2_000);
  }
}

interface Sample {
  putRps: number;
  /** Server CPU per PUT in µs, everything else it did meanwhile (reports, scrapes, logs) included. */
  putCpuUs: number;
  fanout: { p50: number; p99: number };
  load?: { reports: number; failed: number; skipped: number; scrapes: number; scrapeBytes: number; scrapeMs: number };
  logLines?: number;
  logBytes?: number;
}

async function measure(visible: boolean, run: number): Promise<Sample> {
  const temp = tempDir();
  let server: Server | undefined;
  let load: ChildProcess | undefined;
  try {
    server = await startServer(temp.file("verso.db"), visible, temp.file("requests.log"));
    if (visible) {
      load = forkBench("./visibility-load.ts");
      await next(load, "ready");
      const started = next(load, "started", 60_000);
      load.send({ type: "start", url: server.url, region: REGION, agents, intervalMs: statusIntervalMs, scrapeMs });
      await started;
    }
    const c = settings.httpConnections;
    const workload = { method: "PUT" as const, path: `/v1/regions/${REGION}/collections/${COLLECTION}/rows/d{i}`, keys: KEY_SPACE };
    const body = JSON.stringify(VALUE);
    await requestsPerSecond(server.url, { ...workload, body }, c, settings.httpWarmupSeconds);
    const cpuBefore = cpuMs(server.child.pid);
    const putRps = await requestsPerSecond(server.url, { ...workload, body }, c, settings.httpSeconds);
    const cpuAfter = cpuMs(server.child.pid);
    const putCpuUs =
      cpuBefore === undefined || cpuAfter === undefined ? Number.NaN : ((cpuAfter - cpuBefore) * 1000) / (putRps * settings.httpSeconds);
    const fan = await fanout(server.url);
    const sample: Sample = { putRps, putCpuUs, fanout: fan };
    if (load) sample.load = await ask(load, "stats", 10_000);
    if (server.logFile) {
      sample.logBytes = statSync(server.logFile).size;
      sample.logLines = readFileSync(server.logFile, "utf8").split("\n").length - 1;
    }
    const side = visible ? "on " : "off";
    process.stdout.write(
      `run ${run + 1} ${side}: PUT ${putRps.toFixed(0)} req/s (${putCpuUs.toFixed(0)} µs server CPU each), fan-out p50 ${fan.p50.toFixed(1)} ms p99 ${fan.p99.toFixed(1)} ms` +
        (sample.load
          ? `; ${sample.load.reports} agent reports (${sample.load.failed} failed, ${sample.load.skipped} skipped), ` +
            `${sample.load.scrapes} scrapes of ${(sample.load.scrapeBytes / 1024).toFixed(1)} KiB ` +
            `(${(sample.load.scrapeMs / Math.max(1, sample.load.scrapes)).toFixed(1)} ms each), ${sample.logLines} log lines`
          : "") +
        "\n",
    );
    return sample;
  } finally {
    if (load) await stop(load, 2_000);
    await stop(server?.child);
    temp.remove();
  }
}

process.stdout.write(
  `visibility: ${settings.runs} run(s), wrk c=${settings.httpConnections} ${settings.httpSeconds} s per PUT figure, ` +
    `${watchers} watchers x ${writes} writes, ${agents} agents reporting every ${statusIntervalMs / 1000} s ` +
    `(${((agents * 1000) / statusIntervalMs).toFixed(0)} reports/s), /metrics scraped every ${scrapeMs / 1000} s, ` +
    `synchronous=${synchronous}, pinned: ${canPin()}\n`,
);
const on: Sample[] = [];
const off: Sample[] = [];
try {
  for (let run = 0; run < settings.runs; run++) {
    // Alternating which side goes first, so drift in the shared machine's load falls on both.
    const order = run % 2 === 0 ? [false, true] : [true, false];
    for (const visible of order) (visible ? on : off).push(await measure(visible, run));
  }
} finally {
  killAll();
}
const ratios = (f: (s: Sample) => number) => median(on.map((s, i) => f(s) / f(off[i] as Sample)));
const putRatio = ratios((s) => s.putRps);
const p99Ratio = ratios((s) => s.fanout.p99);
// Throughput a CPU-bound server would reach, from its CPU per PUT: steadier on a shared machine than req/s.
const cpuRatio = ratios((s) => 1 / s.putCpuUs);
const ms = (n: number) => `${n.toFixed(1)} ms`;
process.stdout.write(
  `\n${"".padEnd(30)}${"off".padStart(12)}${"on".padStart(12)}${"on/off".padStart(10)}  goal\n` +
    `${"PUT req/s".padEnd(30)}${median(off.map((s) => s.putRps))
      .toFixed(0)
      .padStart(12)}${median(on.map((s) => s.putRps))
      .toFixed(0)
      .padStart(12)}${putRatio.toFixed(2).padStart(10)}  >= 0.90 ${putRatio >= 0.9 ? "met" : "MISSED"}\n` +
    `${"PUT server CPU µs (1/x ratio)".padEnd(30)}${median(off.map((s) => s.putCpuUs))
      .toFixed(0)
      .padStart(12)}${median(on.map((s) => s.putCpuUs))
      .toFixed(0)
      .padStart(12)}${cpuRatio.toFixed(2).padStart(10)}  >= 0.90 ${cpuRatio >= 0.9 ? "met" : "MISSED"}\n` +
    `${"fan-out delivery p99".padEnd(30)}${ms(median(off.map((s) => s.fanout.p99))).padStart(12)}${ms(
      median(on.map((s) => s.fanout.p99)),
    ).padStart(12)}${p99Ratio.toFixed(2).padStart(10)}  <= 1.10 ${p99Ratio <= 1.1 ? "met" : "MISSED"}\n` +
    `${"fan-out delivery p50".padEnd(30)}${ms(median(off.map((s) => s.fanout.p50))).padStart(12)}${ms(
      median(on.map((s) => s.fanout.p50)),
    ).padStart(12)}${ratios((s) => s.fanout.p50)
      .toFixed(2)
      .padStart(10)}\n` +
    "ratios: median over runs of on / off measured next to each other\n",
);
clearTimeout(watchdog);
