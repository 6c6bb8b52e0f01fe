/**
 * Watchers that stop reading: what they cost writers and the server's memory.
 *
 *   node --import tsx bench/fanout-stalled.ts [--stalled 100] [--writes 400] [--value-bytes 4096] [--rounds 3] [--reset-rows 1000]
 *
 * Write latency: sequential PUTs (one connection) of `value-bytes` values, alternating
 * rounds without and with `stalled` watchers that sent their request and never read a
 * byte (each then falls behind by every write until the server cuts it off at its
 * buffer bound, watchBufferBytes); the figure is write p99 with / without.
 * Memory: the server's RSS and JS memory (heap + buffers, after collection) for opening
 * `stalled` such watchers on a region whose reset page holds `reset-rows` rows of 1 KiB.
 * The server runs in its own process (bench/fanout-server.ts), pinned to one core and
 * this process (writer and watchers) to the other when the machine can.
 */
import { type ChildProcess, fork } from "node:child_process";
import { once } from "node:events";
import { connect, type Socket } from "node:net";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { canPin, LOAD_CORE, pinProcess, SERVER_CORE } from "./pinning.js";

const { values } = parseArgs({
  options: {
    stalled: { type: "string", default: "100" },
    writes: { type: "string", default: "400" },
    "value-bytes": { type: "string", default: "4096" },
    rounds: { type: "string", default: "3" },
    "reset-rows": { type: "string", default: "1000" },
  },
});
const stalledCount = Number(values.stalled);
const writes = Number(values.writes);
const valueBytes = Number(values["value-bytes"]);
const rounds = Number(values.rounds);
const resetRows = Number(values["reset-rows"]);

interface Memory {
  rss: number;
  heapUsed: number;
  external: number;
}

const server: ChildProcess = fork(fileURLToPath(new URL("./fanout-server.ts", import.meta.url)), ["verso"], {
  execArgv: ["--import", "tsx", "--expose-gc"],
  stdio: "inherit",
});
const kill = () => server.kill();
process.on("exit", kill);

async function next<T>(type: string, timeoutMs = 60_000): Promise<T> {
  const signal = AbortSignal.timeout(timeoutMs);
  for (;;) {
    const [message] = (await once(server, "message", { signal }).catch(() => {
      throw new Error(`no "${type}" from the server within ${timeoutMs} ms`);
    })) as [{ type: string } & T];
    if (message.type === type) return message;
  }
}

function ask<T>(type: string): Promise<T> {
  const answer = next<T>(type);
  server.send({ type });
  return answer;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

/** A watch request on a raw socket that never reads its response. */
function stalledWatcher(url: string, region: string): Promise<Socket> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port) });
    socket.pause();
    socket.once("error", reject);
    socket.once("connect", () => {
      socket.write(`GET /v1/regions/${region}/watch HTTP/1.1\r\nHost: ${hostname}\r\nAccept: text/event-stream\r\n\r\n`);
      socket.off("error", reject);
      socket.on("error", () => {});
      resolve(socket);
    });
  });
}

try {
  const { url } = await next<{ url: string }>("ready");
  if (canPin() && server.pid !== undefined) {
    pinProcess(server.pid, SERVER_CORE);
    pinProcess(process.pid, LOAD_CORE);
  }
  const openStreams = async (): Promise<number> => {
    const text = await (await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(30_000) })).text();
    return Number(/^verso_watchers (\d+)$/m.exec(text)?.[1]);
  };
  const untilStreams = async (n: number): Promise<void> => {
    const deadline = Date.now() + 30_000;
    while ((await openStreams()) !== n) {
      if (Date.now() > deadline) throw new Error(`the server did not reach ${n} open watch streams`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  const value = JSON.stringify({ blob: "x".repeat(valueBytes) });
  const put = async (region: string, key: string): Promise<number> => {
    const started = performance.now();
    const response = await fetch(`${url}/v1/regions/${region}/collections/c/rows/${key}`, {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: value,
      signal: AbortSignal.timeout(30_000),
    });
    if (response.status !== 200) throw new Error(`write answered ${response.status}`);
    await response.arrayBuffer();
    return performance.now() - started;
  };

  const phase = async (stalled: number, round: number): Promise<{ latencies: number[]; cpuPerWrite: number }> => {
    const region = `w${round}-${stalled}`;
    await put(region, "first");
    const sockets = await Promise.all(Array.from({ length: stalled }, () => stalledWatcher(url, region)));
    await untilStreams(stalled);
    for (let i = 0; i < 20; i++) await put(region, `warm-${i % 4}`);
    const latencies: number[] = [];
    const cpuBefore = await ask<{ micros: number }>("cpu");
    for (let i = 0; i < writes; i++) latencies.push(await put(region, `k${i % 16}`));
    const cpuAfter = await ask<{ micros: number }>("cpu");
    for (const socket of sockets) socket.destroy();
    await untilStreams(0);
    return { latencies: latencies.sort((a, b) => a - b), cpuPerWrite: (cpuAfter.micros - cpuBefore.micros) / writes };
  };

  console.log(`write latency, ${writes} sequential PUTs of ${valueBytes} B values per phase`);
  const ratios: number[] = [];
  const cpuRatios: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const { latencies: none, cpuPerWrite: cpuNone } = await phase(0, round);
    const { latencies: stalled, cpuPerWrite: cpuStalled } = await phase(stalledCount, round);
    cpuRatios.push(cpuStalled / cpuNone);
    const metrics = await (await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(30_000) })).text();
    const cutOff = /^verso_watchers_cut_off_total (\d+)$/m.exec(metrics)?.[1];
    const ratio = percentile(stalled, 99) / percentile(none, 99);
    ratios.push(ratio);
    console.log(
      `  round ${round + 1}: p50 ${percentile(none, 50).toFixed(2)} / ${percentile(stalled, 50).toFixed(2)} ms, ` +
        `p99 ${percentile(none, 99).toFixed(2)} / ${percentile(stalled, 99).toFixed(2)} ms (none / ${stalledCount} stalled); ` +
        `p99 ratio ${ratio.toFixed(2)}; server CPU per write ${(cpuNone / 1000).toFixed(2)} / ${(cpuStalled / 1000).toFixed(2)} ms; ` +
        `cut off so far ${cutOff}`,
    );
  }
  ratios.sort((a, b) => a - b);
  cpuRatios.sort((a, b) => a - b);
  console.log(`  write p99 with ${stalledCount} stalled watchers / without, median of rounds: ${percentile(ratios, 50).toFixed(2)}`);
  console.log(`  server CPU per write with / without, median of rounds:        ${percentile(cpuRatios, 50).toFixed(2)}`);

  // One transaction of `resetRows` rows of 1 KiB: a reset page of about resetRows KiB.
  const row = JSON.stringify("y".repeat(1000));
  const ops = Array.from({ length: resetRows }, (_, i) => `{"op":"put","collection":"c","key":"r${i}","value":${row}}`);
  const seeded = await fetch(`${url}/v1/regions/big/transactions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: `{"ops":[${ops.join(",")}]}`,
    signal: AbortSignal.timeout(60_000),
  });
  if (seeded.status !== 200) throw new Error(`seeding answered ${seeded.status}: ${await seeded.text()}`);
  const before = await ask<Memory>("memory");
  const sockets: Socket[] = [];
  // One after another, each in a turn of its own on the server: no read is shared by chance.
  for (let i = 0; i < stalledCount; i++) {
    sockets.push(await stalledWatcher(url, "big"));
    await untilStreams(i + 1);
  }
  const after = await ask<Memory>("memory");
  const mib = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MiB`;
  console.log(`\nopening ${stalledCount} stalled watchers on a reset page of ${resetRows} rows of 1 KiB`);
  console.log(`  server RSS          +${mib(after.rss - before.rss)}`);
  console.log(`  heap + buffers      +${mib(after.heapUsed + after.external - before.heapUsed - before.external)}`);
  for (const socket of sockets) socket.destroy();

  const exited = once(server, "exit");
  server.send({ type: "stop" });
  await exited;
} finally {
  kill();
}
