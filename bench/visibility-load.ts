/**
 * Child process of bench/visibility.ts: what watching a verso server costs it from outside.
 * Many agents report as `verso agent` does (PUT /v1/regions/{r}/agents/{id} with the
 * payload of src/agent/status-reporter.ts), each once per status interval, spread evenly;
 * a Prometheus scraper reads /metrics. All first report at once, so the server holds the
 * whole fleet from the start, as it would after the agents' first interval.
 */
import { Agent, request } from "node:http";

interface Start {
  type: "start";
  url: string;
  region: string;
  agents: number;
  intervalMs: number;
  scrapeMs: number;
}

const http = new Agent({ keepAlive: true, maxSockets: 16 });
const TICK_MS = 20;
/** Reports not yet answered past which the next are skipped, so a stalled server is not buried. */
const MAX_IN_FLIGHT = 512;

const stats = { reports: 0, failed: 0, skipped: 0, scrapes: 0, scrapeBytes: 0, scrapeMs: 0 };
let inFlight = 0;
let head = 0;
const timers: NodeJS.Timeout[] = [];

function send(url: string, method: string, body?: string): Promise<{ status: number; bytes: number }> {
  return new Promise((resolve) => {
    const req = request(url, { method, agent: http, headers: body === undefined ? {} : { "content-type": "application/json" } }, (res) => {
      let bytes = 0;
      res.on("data", (chunk: Buffer) => {
        bytes += chunk.length;
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, bytes }));
      res.on("error", () => resolve({ status: 0, bytes }));
    });
    req.setTimeout(30_000, () => req.destroy());
    req.on("error", () => resolve({ status: 0, bytes: 0 }));
    req.end(body);
  });
}

function report(start: Start, i: number): Promise<void> {
  if (inFlight >= MAX_IN_FLIGHT) {
    stats.skipped++;
    return Promise.resolve();
  }
  inFlight++;
  // Most caught up, some a version or two behind, as a fleet under writes is.
  const applied = Math.max(0, head - (i % 3));
  const body = JSON.stringify({ applied, handled: applied, name: `edge-${i}`, transport: "watch" });
  return send(`${start.url}/v1/regions/${start.region}/agents/agt_bench_${i}`, "PUT", body).then(({ status }) => {
    inFlight--;
    if (status === 204) stats.reports++;
    else stats.failed++;
  });
}

async function begin(start: Start): Promise<void> {
  const regionUrl = `${start.url}/v1/regions/${start.region}`;
  const readHead = async () => {
    const answer = await fetch(regionUrl).catch(() => undefined);
    if (answer?.ok) head = ((await answer.json()) as { version: number }).version;
  };
  await readHead();
  for (let i = 0; i < start.agents; i += 64) {
    await Promise.all(Array.from({ length: Math.min(64, start.agents - i) }, (_, j) => report(start, i + j)));
  }
  // Agents learn the head from their feed; this process reads it once a second instead.
  timers.push(setInterval(() => void readHead(), 1000));
  const perTick = (start.agents * TICK_MS) / start.intervalMs;
  let due = 0;
  let nextAgent = 0;
  timers.push(
    setInterval(() => {
      due += perTick;
      for (; due >= 1; due--) {
        void report(start, nextAgent);
        nextAgent = (nextAgent + 1) % start.agents;
      }
    }, TICK_MS),
  );
  if (start.scrapeMs > 0) {
    // The first scrape at once: a run shorter than the interval is scraped too.
    const scrape = async () => {
      const t0 = performance.now();
      const { status, bytes } = await send(`${start.url}/metrics`, "GET");
      if (status !== 200) return void stats.failed++;
      stats.scrapes++;
      stats.scrapeBytes = bytes;
      stats.scrapeMs += performance.now() - t0;
    };
    void scrape();
    timers.push(setInterval(() => void scrape(), start.scrapeMs));
  }
  process.send?.({ type: "started" });
}

process.on("disconnect", () => process.exit(0));
process.on("message", (message: Start | { type: "stats" } | { type: "stop" }) => {
  if (message.type === "start") void begin(message);
  else if (message.type === "stats") process.send?.({ type: "stats", ...stats, inFlight });
  else if (message.type === "stop") {
    for (const timer of timers) clearInterval(timer);
    process.exit(0);
  }
});
process.send?.({ type: "ready" });
