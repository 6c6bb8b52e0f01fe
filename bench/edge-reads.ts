/**
 * Reads at the edge: a row read on the agent's listener (TCP and Unix socket) against the
 * same read on the server, and the barrier's wake-up, from a write's acknowledgement by the
 * server to the agent's answer to `minVersion` = that write's version (p50/p99), alone and
 * under 200 concurrent readers of the agent. Server and agents are `verso` processes; the
 * readers run in a process of their own.
 * node --import tsx bench/edge-reads.ts [--rows N] [--seconds S] [--writes W] [--readers R] [--blocks B] [--listen-nice N]
 */
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { Agent, request } from "node:http";
import { createServer } from "node:net";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { VersoClient } from "../src/client/http-client.js";
import { keepAliveFetch } from "./keep-alive-fetch.js";
import { tempDir } from "./temp.js";

const { values } = parseArgs({
  options: {
    rows: { type: "string", default: "1000" },
    seconds: { type: "string", default: "3" },
    writes: { type: "string", default: "300" },
    readers: { type: "string", default: "200" },
    runs: { type: "string", default: "3" },
    // The lag with and without readers is measured in this many alternating pairs of blocks,
    // so that a change in the machine's other load falls on both alike.
    blocks: { type: "string", default: "5" },
    // The agents' --listen-nice (default: the agent's own default, 10).
    "listen-nice": { type: "string" },
  },
});
const LISTEN_NICE = values["listen-nice"] === undefined ? [] : ["--listen-nice", values["listen-nice"]];
const ROWS = Number(values.rows);
const SECONDS = Number(values.seconds);
const WRITES = Number(values.writes);
const READERS = Number(values.readers);
const RUNS = Number(values.runs);
const BLOCKS = Number(values.blocks);
const CONCURRENCY = 8;
const CLI = fileURLToPath(new URL("./run-verso.ts", import.meta.url));
const READERS_SCRIPT = fileURLToPath(new URL("./edge-readers.ts", import.meta.url));
const REGION = "bench";
const ROW_PATH = `/v1/regions/${REGION}/collections/c/rows/k7`;

const children: ChildProcess[] = [];
const tmp = tempDir();
const httpAgent = new Agent({ keepAlive: true, maxSockets: Number.POSITIVE_INFINITY });

function verso(args: string[]): ChildProcess {
  const child = spawn(process.execPath, ["--import", "tsx", CLI, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  children.push(child);
  return child;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (typeof address !== "object" || !address) throw new Error("no port");
  return address.port;
}

async function lineMatching(child: ChildProcess, stream: "stdout" | "stderr", test: (line: string) => boolean): Promise<string> {
  const source = child[stream];
  if (!source) throw new Error("no output");
  const lines = createInterface({ input: source });
  for await (const line of lines) if (test(line)) return line;
  throw new Error(`process ended before the expected line (exit ${child.exitCode})`);
}

type Target = { kind: "tcp"; url: string } | { kind: "unix"; socket: string };

function get(target: Target, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req =
      target.kind === "tcp"
        ? request(`${target.url}${path}`, { agent: httpAgent })
        : request({ socketPath: target.socket, path, agent: httpAgent });
    req.on("response", (res) => {
      let body = "";
      res.setEncoding("utf8").on("data", (chunk: string) => (body += chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", (error: NodeJS.ErrnoException) => {
      // A kept-alive socket the listener closed as idle (its keepAliveTimeout) just as this
      // request went out: Node's documented case for sending again on a new socket.
      if (req.reusedSocket && (error.code === "ECONNRESET" || error.code === "EPIPE")) get(target, path).then(resolve, reject);
      else reject(error);
    });
    req.end();
  });
}

/** Closed loops of one read for SECONDS: answers per second and median latency (ms). */
async function readRate(target: Target): Promise<{ perSecond: number; p50: number }> {
  const latencies: number[] = [];
  const end = performance.now() + SECONDS * 1000;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (performance.now() < end) {
        const t0 = performance.now();
        const { status } = await get(target, ROW_PATH);
        if (status !== 200) throw new Error(`read answered ${status}`);
        latencies.push(performance.now() - t0);
      }
    }),
  );
  return { perSecond: latencies.length / SECONDS, p50: quantile(latencies, 0.5) };
}

/** Cursors the agent reports applying (its `-o json` page lines), each as it arrives. */
class AppliedCursor {
  private cursor = 0;
  private waiters: Array<{ version: number; wake: () => void }> = [];

  constructor(child: ChildProcess) {
    if (!child.stdout) throw new Error("no output");
    createInterface({ input: child.stdout }).on("line", (line) => {
      if (!line.includes('"page"')) return;
      this.cursor = Math.max(this.cursor, (JSON.parse(line) as { cursor: number }).cursor);
      const woken = this.waiters.filter((w) => this.cursor >= w.version);
      this.waiters = this.waiters.filter((w) => this.cursor < w.version);
      for (const waiter of woken) waiter.wake();
    });
  }

  reached(version: number): Promise<void> {
    if (this.cursor >= version) return Promise.resolve();
    return new Promise((wake) => this.waiters.push({ version, wake }));
  }
}

interface WakeUps {
  /** ms from the server's acknowledgement to the agent's answer to minVersion = the write's version. */
  answered: number[];
  /** ms from the acknowledgement to the agent's report of having applied it (replication lag). */
  applied: number[];
}

/** Write, then read on `target` with minVersion = the write's version, timing the answer and the agent's apply. */
async function wakeUps(client: VersoClient, target: Target, applied?: AppliedCursor, writes = WRITES): Promise<WakeUps> {
  const result: WakeUps = { answered: [], applied: [] };
  for (let i = 0; i < writes; i++) {
    const { version } = await client.put(REGION, "c", `w${i % 50}`, { i });
    const acked = performance.now();
    const replicated = applied?.reached(version).then(() => result.applied.push(performance.now() - acked));
    const { status } = await get(target, `/v1/regions/${REGION}/collections/c/rows/w${i % 50}?minVersion=${version}&timeoutMs=10000`);
    if (status !== 200) throw new Error(`barrier read answered ${status}`);
    result.answered.push(performance.now() - acked);
    await replicated;
  }
  return result;
}

function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
}

function median(values: number[]): number {
  return quantile(values, 0.5);
}

const fmt = (n: number, digits = 2) => n.toFixed(digits);

try {
  const port = await freePort();
  const server = verso(["serve", "--db", tmp.file("server.db"), "--port", String(port), "--synchronous", "normal"]);
  await lineMatching(server, "stderr", (line) => line.includes("serving"));
  const serverUrl = `http://127.0.0.1:${port}`;
  const client = new VersoClient({ server: serverUrl, fetch: keepAliveFetch });
  for (let at = 0; at < ROWS; at += 500) {
    const ops = Array.from({ length: Math.min(500, ROWS - at) }, (_, j) => ({
      op: "put" as const,
      collection: "c",
      key: `k${at + j}`,
      value: { image: `app:${at + j}`, replicas: 3, labels: { tier: "web" } },
    }));
    await client.transact(REGION, ops);
  }
  const agent = (listen: string, file: string) =>
    verso([
      "agent",
      "--server",
      serverUrl,
      "--region",
      REGION,
      "--replica",
      tmp.file(file),
      "--listen",
      listen,
      "-o",
      "json",
      "--status-interval",
      "0",
      ...LISTEN_NICE,
    ]);
  const tcpAgent = agent("127.0.0.1:0", "tcp.replica");
  const socket = tmp.file("agent.sock");
  const unixAgent = agent(`unix:${socket}`, "unix.replica");
  const tcpLine = await lineMatching(tcpAgent, "stdout", (line) => line.includes('"listen"'));
  const tcpApplied = new AppliedCursor(tcpAgent);
  await lineMatching(unixAgent, "stdout", (line) => line.includes('"listen"'));
  const head = (await client.getVersion(REGION)).version;
  const serverTarget: Target = { kind: "tcp", url: serverUrl };
  const tcpTarget: Target = { kind: "tcp", url: `http://${(JSON.parse(tcpLine) as { address: string }).address}` };
  const unixTarget: Target = { kind: "unix", socket };
  for (const target of [tcpTarget, unixTarget]) {
    const { status } = await get(target, `${ROW_PATH}?minVersion=${head}&timeoutMs=60000`);
    if (status !== 200) throw new Error(`agent did not catch up (${status})`);
  }

  const rates: Record<"server" | "tcp" | "unix", Array<{ perSecond: number; p50: number }>> = { server: [], tcp: [], unix: [] };
  for (let run = 0; run < RUNS; run++) {
    rates.server.push(await readRate(serverTarget));
    rates.tcp.push(await readRate(tcpTarget));
    rates.unix.push(await readRate(unixTarget));
  }
  const rate = (name: keyof typeof rates) => median(rates[name].map((r) => r.perSecond));
  const p50 = (name: keyof typeof rates) => median(rates[name].map((r) => r.p50));
  process.stdout.write(
    `\nrow read, ${CONCURRENCY} closed loops, ${SECONDS} s x ${RUNS} runs (medians)\n` +
      `| target | reads/s | p50 ms | ratio to server reads/s |\n|---|---|---|---|\n` +
      `| server (Fastify, SQLite) | ${fmt(rate("server"), 0)} | ${fmt(p50("server"))} | 1.00 |\n` +
      `| agent listener, TCP | ${fmt(rate("tcp"), 0)} | ${fmt(p50("tcp"))} | ${fmt(rate("tcp") / rate("server"))} |\n` +
      `| agent listener, Unix socket | ${fmt(rate("unix"), 0)} | ${fmt(p50("unix"))} | ${fmt(rate("unix") / rate("server"))} |\n`,
  );

  const onServer = (await wakeUps(client, serverTarget)).answered;
  const readers = spawn(process.execPath, ["--import", "tsx", READERS_SCRIPT, `${tcpTarget.url}${ROW_PATH}`, String(READERS)], {
    stdio: ["pipe", "pipe", "inherit"],
  });
  children.push(readers);
  const readerLines = createInterface({ input: readers.stdout as NodeJS.ReadableStream })[Symbol.asyncIterator]();
  const readerSays = async (line: string) => {
    for (let next = await readerLines.next(); !next.done; next = await readerLines.next()) if (next.value === line) return;
    throw new Error(`the readers ended before ${line}`);
  };
  await readerSays("started");
  const alone: WakeUps = { answered: [], applied: [] };
  const loaded: WakeUps = { answered: [], applied: [] };
  let loadSeconds = 0;
  const perBlock = Math.ceil(WRITES / BLOCKS);
  for (let block = 0; block < BLOCKS; block++) {
    const quiet = await wakeUps(client, tcpTarget, tcpApplied, perBlock);
    alone.answered.push(...quiet.answered);
    alone.applied.push(...quiet.applied);
    readers.stdin?.write("resume\n");
    await readerSays("resumed");
    const loadStarted = performance.now();
    const busy = await wakeUps(client, tcpTarget, tcpApplied, perBlock);
    loadSeconds += (performance.now() - loadStarted) / 1000;
    loaded.answered.push(...busy.answered);
    loaded.applied.push(...busy.applied);
    readers.stdin?.write("pause\n");
    await readerSays("paused");
  }
  readers.stdin?.end();
  let answered = Number.NaN;
  for (let next = await readerLines.next(); !next.done; next = await readerLines.next())
    if (/^\d+$/.test(next.value)) answered = Number(next.value);
  const row = (name: string, d: number[], base: number[]) =>
    `| ${name} | ${fmt(quantile(d, 0.5))} | ${fmt(quantile(d, 0.99))} | ${fmt(quantile(d, 0.5) / quantile(base, 0.5))} | ${fmt(quantile(d, 0.99) / quantile(base, 0.99))} |\n`;
  process.stdout.write(
    `\nbarrier wake-up: write acknowledged by the server -> answer to minVersion=that version, ${WRITES} writes\n` +
      `| read on | p50 ms | p99 ms | p50 ratio | p99 ratio |\n|---|---|---|---|---|\n` +
      `${row("server (baseline: the version is already there)", onServer, onServer)}` +
      `${row("agent, no other readers", alone.answered, onServer)}` +
      `${row(`agent, ${READERS} readers on its listener`, loaded.answered, onServer)}` +
      `\nreplication lag: write acknowledged -> the agent reports the page applied\n` +
      `| agent | p50 ms | p99 ms | p50 ratio | p99 ratio |\n|---|---|---|---|---|\n` +
      `${row("no other readers (baseline)", alone.applied, alone.applied)}` +
      `${row(`${READERS} readers on its listener`, loaded.applied, alone.applied)}` +
      `\nthe readers got ${fmt(answered / loadSeconds, 0)} answers/s meanwhile\n`,
  );
} finally {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
  await Promise.all(children.map((child) => (child.exitCode === null && child.signalCode === null ? once(child, "exit") : undefined)));
  httpAgent.destroy();
  tmp.remove();
}
