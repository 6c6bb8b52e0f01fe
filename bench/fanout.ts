/**
 * Fan-out benchmark of the watch stream: one write delivered to many concurrent SSE
 * watchers whose clients run in a separate process (and the server in a third), so
 * that the server's memory and CPU are its own.
 *
 *   node --import tsx bench/fanout.ts [--watchers 1000] [--writes 30] [--interval 100] [--warmup 5] [--rounds 2] [--cpu-prof DIR]
 *
 * Delivery latency = from just before the write's HTTP request until a watcher's
 * client process read the event carrying that version; it includes the durable commit.
 * Server CPU is the server process's user + system time over the measured writes.
 * Each round measures verso, then the same clients against a raw node:http fan-out of
 * one prepared event (fanout-server.ts `raw`): the least the machine spends per delivery.
 */
import { type ChildProcess, fork } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { ask, next } from "./ipc.js";
import { percentile } from "./measure.js";

const { values } = parseArgs({
  options: {
    watchers: { type: "string", default: "1000" },
    writes: { type: "string", default: "30" },
    interval: { type: "string", default: "100" },
    warmup: { type: "string", default: "5" },
    // Writes a V8 CPU profile of the server process into DIR (node --cpu-prof).
    "cpu-prof": { type: "string" },
    rounds: { type: "string", default: "2" },
  },
});
const watchers = Number(values.watchers);
const writes = Number(values.writes);
const intervalMs = Number(values.interval);
const warmup = Number(values.warmup);
const region = "fanout";
const now = () => performance.timeOrigin + performance.now();

function child(file: string, execArgv: string[], args: string[] = []): ChildProcess {
  return fork(fileURLToPath(new URL(file, import.meta.url)), args, { execArgv: ["--import", "tsx", ...execArgv], stdio: "inherit" });
}

interface Memory {
  rss: number;
  heapUsed: number;
  external: number;
  collected: boolean;
}

const profile = values["cpu-prof"];
const rounds = Number(values.rounds);

interface Result {
  latencies: number[];
  lastArrivals: number[];
  spreads: number[];
  acks: number[];
  before: Memory;
  after: Memory;
  cpuMicros: number;
}

/** One measured run against a fresh server of `kind` and a fresh client process. */
async function measure(kind: "verso" | "raw"): Promise<Result> {
  const profiled = kind === "verso" && profile !== undefined ? ["--cpu-prof", "--cpu-prof-dir", profile] : [];
  const server = child("./fanout-server.ts", ["--expose-gc", ...profiled], [kind]);
  const clients = child("./fanout-clients.ts", []);
  const stopChildren = () => {
    server.kill();
    clients.kill();
  };
  process.on("exit", stopChildren);
  try {
    const { url } = await next<{ url: string }>(server, "ready");
    await next(clients, "ready");
    const put = async (key: string, value: unknown): Promise<number> => {
      const response = await fetch(`${url}/v1/regions/${region}/collections/services/rows/${key}`, {
        method: "PUT",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(value),
      });
      if (response.status !== 200) throw new Error(`write answered ${response.status}: ${await response.text()}`);
      return ((await response.json()) as { version: number }).version;
    };

    let head = await put("warm-up", { replicas: 1 });
    const before = await ask<Memory>(server, "memory");
    const connected = next(clients, "connected");
    clients.send({ type: "start", url, region, watchers });
    await connected;
    const after = await ask<Memory>(server, "memory");

    const latencies: number[] = [];
    const lastArrivals: number[] = [];
    const spreads: number[] = [];
    const acks: number[] = [];
    let cpuBefore = { micros: 0 };
    for (let i = -warmup; i < writes; i++) {
      // Warm-up rounds let both processes compile their hot paths; they are not counted.
      if (i === 0) {
        for (const figures of [latencies, lastArrivals, spreads, acks]) figures.length = 0;
        cpuBefore = await ask<{ micros: number }>(server, "cpu");
      }
      const cursor = head + 1;
      const arrived = next<{ cursor: number; times: number[] }>(clients, "arrived", 10_000);
      clients.send({ type: "expect", cursor });
      const started = now();
      head = await put(`svc-${(i + warmup) % 10}`, { replicas: i, image: `registry.example/app:${i}` });
      acks.push(now() - started);
      if (head !== cursor) throw new Error(`expected version ${cursor}, the write got ${head}`);
      const { times } = await arrived;
      const delays = times.map((t) => t - started);
      latencies.push(...delays);
      lastArrivals.push(Math.max(...delays));
      spreads.push(Math.max(...delays) - Math.min(...delays));
      await new Promise((r) => setTimeout(r, intervalMs));
    }
    const cpuAfter = await ask<{ micros: number }>(server, "cpu");
    for (const figures of [latencies, lastArrivals, spreads, acks]) figures.sort((a, b) => a - b);
    clients.kill();
    const exited = once(server, "exit");
    server.send({ type: "stop" });
    await exited;
    return { latencies, lastArrivals, spreads, acks, before, after, cpuMicros: cpuAfter.micros - cpuBefore.micros };
  } finally {
    stopChildren();
    process.off("exit", stopChildren);
  }
}

const ms = (n: number) => `${n.toFixed(1)} ms`;
const kib = (n: number) => `${(n / 1024).toFixed(1)} KiB`;
const perDelivery = (r: Result) => r.cpuMicros / r.latencies.length;
const results: { verso: Result; raw: Result }[] = [];
// Alternated, so that a change in the machine's load between rounds hits both sides.
for (let round = 0; round < rounds; round++) results.push({ verso: await measure("verso"), raw: await measure("raw") });

for (const [round, { verso, raw }] of results.entries()) {
  console.log(`\nround ${round + 1}: verso (raw node:http baseline)`);
  const figures: Record<string, [string, string]> = {
    deliveries: [String(verso.latencies.length), String(raw.latencies.length)],
    "delivery p50": [ms(percentile(verso.latencies, 50)), ms(percentile(raw.latencies, 50))],
    "delivery p99": [ms(percentile(verso.latencies, 99)), ms(percentile(raw.latencies, 99))],
    "delivery max": [ms(verso.latencies.at(-1) ?? Number.NaN), ms(raw.latencies.at(-1) ?? Number.NaN)],
    "last watcher p50": [ms(percentile(verso.lastArrivals, 50)), ms(percentile(raw.lastArrivals, 50))],
    "first-to-last spread p50": [ms(percentile(verso.spreads, 50)), ms(percentile(raw.spreads, 50))],
    "write ack p50": [ms(percentile(verso.acks, 50)), ms(percentile(raw.acks, 50))],
    "RSS per watcher": [kib((verso.after.rss - verso.before.rss) / watchers), kib((raw.after.rss - raw.before.rss) / watchers)],
    "heap per watcher": [
      kib((verso.after.heapUsed - verso.before.heapUsed) / watchers),
      kib((raw.after.heapUsed - raw.before.heapUsed) / watchers),
    ],
    "server CPU per write": [ms(verso.cpuMicros / 1000 / writes), ms(raw.cpuMicros / 1000 / writes)],
    "server CPU per delivery": [`${perDelivery(verso).toFixed(1)} µs`, `${perDelivery(raw).toFixed(1)} µs`],
  };
  for (const [name, [v, b]] of Object.entries(figures)) console.log(`  ${name.padEnd(26)} ${v.padStart(10)}  (${b})`);
  // Two baselines of the same run: the write's own round trip (durable commit included),
  // which every delivery contains, and the raw server's fan-out of the same event.
  const ack = percentile(verso.acks, 50);
  console.log(`  delivery p50 / write ack p50      ${(percentile(verso.latencies, 50) / ack).toFixed(2)}`);
  console.log(`  delivery p99 / write ack p50      ${(percentile(verso.latencies, 99) / ack).toFixed(2)}`);
  console.log(`  CPU per delivery, verso / raw     ${(perDelivery(verso) / perDelivery(raw)).toFixed(2)}`);
  console.log(`  delivery p99, verso / raw         ${(percentile(verso.latencies, 99) / percentile(raw.latencies, 99)).toFixed(2)}`);
}
