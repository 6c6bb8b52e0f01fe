/**
 * Fan-out benchmark of the watch stream: one write delivered to many concurrent SSE
 * watchers whose clients run in a separate process (and the server in a third), so
 * that the server's memory and CPU are its own.
 *
 *   node --import tsx bench/fanout.ts [--watchers 1000] [--writes 30] [--interval 100] [--warmup 5] [--cpu-prof DIR]
 *
 * Delivery latency = from just before the write's HTTP request until a watcher's
 * client process read the event carrying that version; it includes the durable commit.
 */
import { type ChildProcess, fork } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const { values } = parseArgs({
  options: {
    watchers: { type: "string", default: "1000" },
    writes: { type: "string", default: "30" },
    interval: { type: "string", default: "100" },
    warmup: { type: "string", default: "5" },
    // Writes a V8 CPU profile of the server process into DIR (node --cpu-prof).
    "cpu-prof": { type: "string" },
  },
});
const watchers = Number(values.watchers);
const writes = Number(values.writes);
const intervalMs = Number(values.interval);
const warmup = Number(values.warmup);
const region = "fanout";
const now = () => performance.timeOrigin + performance.now();

function child(file: string, execArgv: string[]): ChildProcess {
  return fork(fileURLToPath(new URL(file, import.meta.url)), { execArgv: ["--import", "tsx", ...execArgv], stdio: "inherit" });
}

/** The child's next message of `type`; a child that dies or falls silent fails the run. */
async function next<T>(proc: ChildProcess, type: string, timeoutMs = 60_000): Promise<T> {
  const signal = AbortSignal.timeout(timeoutMs);
  for (;;) {
    const [message] = (await once(proc, "message", { signal }).catch(() => {
      throw new Error(`no "${type}" from ${proc.spawnargs.at(-1)} within ${timeoutMs} ms`);
    })) as [{ type: string } & T];
    if (message.type === type) return message;
  }
}

function ask<T>(proc: ChildProcess, type: string): Promise<T> {
  const answer = next<T>(proc, type);
  proc.send({ type });
  return answer;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

interface Memory {
  rss: number;
  heapUsed: number;
  external: number;
  collected: boolean;
}

const profile = values["cpu-prof"];
const server = child("./fanout-server.ts", ["--expose-gc", ...(profile === undefined ? [] : ["--cpu-prof", "--cpu-prof-dir", profile])]);
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

  latencies.sort((a, b) => a - b);
  lastArrivals.sort((a, b) => a - b);
  spreads.sort((a, b) => a - b);
  acks.sort((a, b) => a - b);
  const ms = (n: number) => `${n.toFixed(1)} ms`;
  const kib = (n: number) => `${(n / 1024).toFixed(1)} KiB`;
  const figures = {
    watchers,
    writes,
    deliveries: latencies.length,
    "delivery p50": ms(percentile(latencies, 50)),
    "delivery p99": ms(percentile(latencies, 99)),
    "delivery max": ms(latencies.at(-1) ?? Number.NaN),
    "last watcher p50": ms(percentile(lastArrivals, 50)),
    "first-to-last spread p50": ms(percentile(spreads, 50)),
    "write ack p50": ms(percentile(acks, 50)),
    "server RSS before watchers": kib(before.rss),
    "server RSS with watchers": kib(after.rss),
    "RSS per watcher": kib((after.rss - before.rss) / watchers),
    "heap per watcher": kib((after.heapUsed - before.heapUsed) / watchers),
    "server CPU per write": ms((cpuAfter.micros - cpuBefore.micros) / 1000 / writes),
    gc: after.collected ? "collected before measuring" : "not collected",
  };
  for (const [name, value] of Object.entries(figures)) console.log(`${name.padEnd(28)} ${value}`);
  // The same-run baseline: the write's own round trip, durable commit included, which
  // every delivery contains; the ratio is what reaching all watchers adds to it.
  const ack = percentile(acks, 50);
  console.log("\nratios against the write ack p50 of this run");
  console.log(`  delivery p50 / write ack p50      ${(percentile(latencies, 50) / ack).toFixed(2)}`);
  console.log(`  delivery p99 / write ack p50      ${(percentile(latencies, 99) / ack).toFixed(2)}`);
  console.log(`  last watcher p50 / write ack p50  ${(percentile(lastArrivals, 50) / ack).toFixed(2)}`);

  clients.kill();
  const exited = once(server, "exit");
  server.send({ type: "stop" });
  await exited;
} finally {
  stopChildren();
}
