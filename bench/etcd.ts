/**
 * Peer suite: verso against etcd 3.4 (Debian's `etcd-server`, installed when missing) on
 * the same machine, both driven over HTTP/JSON by the same load generator: etcd through
 * its JSON gateway (`/v3/kv/put`, `/v3/kv/range`, `/v3/watch`; keys and values base64).
 * Run only when named: `npm run bench -- --only etcd`.
 *
 *   node --import tsx bench/etcd.ts [--seconds 3] [--runs 3] [--watchers 1000] [--writes 30]
 *
 * Each server runs pinned to one core (etcd and every thread it starts, verso with
 * `taskset -a`), wrk and the watch clients to the other (see pinning.ts). Durability is
 * alike: verso with synchronous=FULL acknowledges a write after the fsync of its commit,
 * etcd after the fsync of its write-ahead log.
 *
 * - durable writes: wrk with 1 connection (sequential) and 50, over 1,000 keys;
 * - reads of 1,000 entries per request, 8 connections: verso's `/changes?since=0&limit=1000`
 *   (the feed from the start) against etcd's range over the same 1,000 keys;
 * - fan-out: one write delivered to 1,000 watchers of it (verso's SSE watch, etcd's
 *   watch stream), latency from just before the write until a client process read it,
 *   and each server's CPU time (from /proc) per delivery.
 */
import { type ChildProcess, execFileSync, fork, spawn } from "node:child_process";
import { once } from "node:events";
import { readFileSync } from "node:fs";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { startChild } from "./child-server.js";
import { type HttpLoad, requestsPerSecond } from "./load-wrk.js";
import { compare, sample } from "./measure.js";
import { canPin, LOAD_CORE, pinProcess, SERVER_CORE } from "./pinning.js";
import { tempDir } from "./temp.js";
import { VALUE } from "./workload.js";

const { values } = parseArgs({
  options: {
    seconds: { type: "string", default: "3" },
    runs: { type: "string", default: "3" },
    watchers: { type: "string", default: "1000" },
    writes: { type: "string", default: "30" },
  },
});
const seconds = Number(values.seconds);
const runs = Number(values.runs);
const watchers = Number(values.watchers);
const writes = Number(values.writes);
const KEYS = 1000;
const REGION = "peer";
const b64 = (text: string) => Buffer.from(text).toString("base64");

function ensureEtcd(): void {
  try {
    execFileSync("etcd", ["--version"], { stdio: "ignore" });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    process.stderr.write("etcd is missing: apt-get install -y etcd-server\n");
    execFileSync("apt-get", ["install", "-y", "etcd-server"], { stdio: "inherit" });
  }
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === "string") throw new Error("no port");
  return address.port;
}

/** User + system CPU time of a process so far, in µs (from /proc, in clock ticks of 10 ms). */
function cpuMicros(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) * 10_000;
}

interface Etcd {
  url: string;
  pid: number;
  stop: () => Promise<void>;
}

async function startEtcd(dir: string): Promise<Etcd> {
  const [client, peer] = [await freePort(), await freePort()];
  const args = [
    "--name=bench",
    `--data-dir=${dir}`,
    `--listen-client-urls=http://127.0.0.1:${client}`,
    `--advertise-client-urls=http://127.0.0.1:${client}`,
    `--listen-peer-urls=http://127.0.0.1:${peer}`,
    `--initial-advertise-peer-urls=http://127.0.0.1:${peer}`,
    `--initial-cluster=bench=http://127.0.0.1:${peer}`,
    "--logger=zap",
    "--log-level=error",
  ];
  // Pinned from the start, so that every thread etcd starts inherits the core.
  const [command, argv] = canPin() ? ["taskset", ["-c", String(SERVER_CORE), "etcd", ...args]] : ["etcd", args];
  const child = spawn(command, argv, { stdio: ["ignore", "ignore", "inherit"] });
  const exited = once(child, "exit");
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
    await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000).unref())]);
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  };
  const url = `http://127.0.0.1:${client}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`etcd exited with ${child.exitCode}`);
    const healthy = await fetch(`${url}/health`, { signal: AbortSignal.timeout(1_000) })
      .then((r) => r.ok)
      .catch(() => false);
    if (healthy) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error("etcd did not become healthy within 30 s");
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  if (child.pid === undefined) throw new Error("etcd has no pid");
  return { url, pid: child.pid, stop };
}

function child(file: string): ChildProcess {
  return fork(fileURLToPath(new URL(file, import.meta.url)), [], { execArgv: ["--import", "tsx"], stdio: "inherit" });
}

async function next<T>(proc: ChildProcess, type: string, timeoutMs = 60_000): Promise<T> {
  const signal = AbortSignal.timeout(timeoutMs);
  for (;;) {
    const [message] = (await once(proc, "message", { signal }).catch(() => {
      throw new Error(`no "${type}" from the watch clients within ${timeoutMs} ms`);
    })) as [{ type: string } & T];
    if (message.type === type) return message;
  }
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

interface FanOut {
  p50: number;
  p99: number;
  cpuPerDelivery: number;
}

/** One write to `watchers` watchers, `writes` times; `write` answers the version or revision it made. */
async function fanOut(peer: "verso" | "etcd", url: string, pid: number, write: (i: number) => Promise<number>): Promise<FanOut> {
  const clients = child("./fanout-clients.ts");
  try {
    await next(clients, "ready");
    if (canPin() && clients.pid !== undefined) pinProcess(clients.pid, LOAD_CORE);
    const connected = next(clients, "connected");
    clients.send({ type: "start", url, region: REGION, watchers, peer });
    await connected;
    const latencies: number[] = [];
    let cpuBefore = 0;
    for (let i = -5; i < writes; i++) {
      if (i === 0) {
        latencies.length = 0;
        cpuBefore = cpuMicros(pid);
      }
      const arrived = next<{ times: number[] }>(clients, "arrived", 20_000);
      const started = performance.timeOrigin + performance.now();
      const cursor = await write(i);
      clients.send({ type: "expect", cursor });
      const { times } = await arrived;
      latencies.push(...times.map((t) => t - started));
      await new Promise((r) => setTimeout(r, 100));
    }
    const cpu = cpuMicros(pid) - cpuBefore;
    latencies.sort((a, b) => a - b);
    return { p50: percentile(latencies, 50), p99: percentile(latencies, 99), cpuPerDelivery: cpu / latencies.length };
  } finally {
    clients.kill();
  }
}

ensureEtcd();
const temp = tempDir();
const stops: (() => Promise<void>)[] = [];
try {
  const etcd = await startEtcd(temp.file("etcd"));
  stops.push(etcd.stop);
  const verso = await startChild(["verso", temp.file("verso.db"), "full", "512"], { pinned: true });
  stops.push(verso.stop);
  if (verso.pid === undefined) throw new Error("verso has no pid");

  const value = JSON.stringify(VALUE);
  // A loaded machine stalls fsyncs for seconds at times: only a request lost for 10 s fails the run.
  const versoWrite: HttpLoad = {
    method: "PUT",
    path: `/v1/regions/${REGION}/collections/c/rows/d{i}`,
    keys: KEYS,
    body: value,
    timeoutSeconds: 10,
  };
  const etcdWrite: HttpLoad = {
    method: "POST",
    path: "/v3/kv/put",
    bodies: Array.from({ length: KEYS }, (_, i) => JSON.stringify({ key: b64(`${REGION}/c/d${i}`), value: b64(value) })),
    timeoutSeconds: 10,
  };
  const versoRead: HttpLoad = { method: "GET", path: `/v1/regions/${REGION}/changes?since=0&limit=${KEYS}`, timeoutSeconds: 10 };
  const etcdRead: HttpLoad = {
    method: "POST",
    path: "/v3/kv/range",
    body: JSON.stringify({ key: b64(`${REGION}/c/`), range_end: b64(`${REGION}/c0`), limit: KEYS }),
    timeoutSeconds: 10,
  };

  const rows: { figure: string; unit: string; verso: number; etcd: number; ratio: number; perRun: number[] }[] = [];
  const measure = async (figure: string, connections: number, loads: { verso: HttpLoad; etcd: HttpLoad }) => {
    const urls = { verso: verso.url, etcd: etcd.url };
    for (const side of ["verso", "etcd"] as const) await requestsPerSecond(urls[side], loads[side], connections, 1);
    const samples = await sample(runs, {
      verso: () => requestsPerSecond(verso.url, loads.verso, connections, seconds),
      etcd: () => requestsPerSecond(etcd.url, loads.etcd, connections, seconds),
    });
    const { verso: v, baseline: e, ratio } = compare(samples.verso, samples.etcd);
    rows.push({
      figure,
      unit: "req/s",
      verso: v,
      etcd: e,
      ratio,
      perRun: samples.verso.map((x, i) => x / (samples.etcd[i] ?? Number.NaN)),
    });
  };

  await measure("durable writes, 1 connection", 1, { verso: versoWrite, etcd: etcdWrite });
  await measure("durable writes, 50 connections", 50, { verso: versoWrite, etcd: etcdWrite });

  // Both sides now hold the 1,000 keys: check that each read answers all of them.
  const page = (await (await fetch(`${verso.url}${versoRead.path}`, { signal: AbortSignal.timeout(30_000) })).json()) as {
    ops: unknown[];
  };
  const ranged = await fetch(`${etcd.url}/v3/kv/range`, { method: "POST", body: etcdRead.body ?? "", signal: AbortSignal.timeout(30_000) });
  const range = (await ranged.json()) as { kvs?: unknown[] };
  if (page.ops.length !== KEYS || range.kvs?.length !== KEYS) {
    throw new Error(`reads answer ${page.ops.length} (verso) and ${range.kvs?.length} (etcd) entries, not ${KEYS}`);
  }
  await measure(`read ${KEYS} entries per request, 8 connections`, 8, { verso: versoRead, etcd: etcdRead });

  const versoPut = async (i: number) => {
    const response = await fetch(`${verso.url}/v1/regions/${REGION}/collections/fan/rows/k`, {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ n: i }),
      signal: AbortSignal.timeout(30_000),
    });
    return ((await response.json()) as { version: number }).version;
  };
  const etcdPut = async (i: number) => {
    const response = await fetch(`${etcd.url}/v3/kv/put`, {
      method: "POST",
      body: JSON.stringify({ key: b64(REGION), value: b64(JSON.stringify({ n: i })) }),
      signal: AbortSignal.timeout(30_000),
    });
    return Number(((await response.json()) as { header: { revision: string } }).header.revision);
  };
  const fan = { verso: await fanOut("verso", verso.url, verso.pid, versoPut), etcd: await fanOut("etcd", etcd.url, etcd.pid, etcdPut) };

  console.log(
    `verso vs etcd 3.4, wrk -t1 pinned to core ${LOAD_CORE}, servers pinned to core ${SERVER_CORE}; ${runs} alternated samples of ${seconds} s`,
  );
  for (const row of rows) {
    console.log(
      `  ${row.figure.padEnd(44)} verso ${row.verso.toFixed(0).padStart(7)}  etcd ${row.etcd.toFixed(0).padStart(7)} ${row.unit}` +
        `   verso/etcd ${row.ratio.toFixed(2)} (runs ${row.perRun.map((r) => r.toFixed(2)).join(", ")})`,
    );
  }
  console.log(`  fan-out, 1 write to ${watchers} watchers, ${writes} writes:`);
  console.log(
    `    delivery p50   verso ${fan.verso.p50.toFixed(1)} ms  etcd ${fan.etcd.p50.toFixed(1)} ms   verso/etcd ${(fan.verso.p50 / fan.etcd.p50).toFixed(2)}`,
  );
  console.log(
    `    delivery p99   verso ${fan.verso.p99.toFixed(1)} ms  etcd ${fan.etcd.p99.toFixed(1)} ms   verso/etcd ${(fan.verso.p99 / fan.etcd.p99).toFixed(2)}`,
  );
  console.log(
    `    server CPU per delivery   verso ${fan.verso.cpuPerDelivery.toFixed(1)} µs  etcd ${fan.etcd.cpuPerDelivery.toFixed(1)} µs   verso/etcd ${(fan.verso.cpuPerDelivery / fan.etcd.cpuPerDelivery).toFixed(2)}`,
  );
  console.log("  (req/s ratios: above 1 verso is faster; latency and CPU ratios: below 1 verso is faster)");
} finally {
  for (const stop of stops.reverse()) await stop().catch(() => {});
  temp.remove();
}
