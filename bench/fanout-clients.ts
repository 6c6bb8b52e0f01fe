/**
 * Child process of bench/fanout.ts: opens many watch streams and reports, per cursor,
 * when each stream received it. Parsing is the minimum SSE needs (event boundaries and
 * the `id:` line), so that this process measures arrival, not its own parsing.
 */
import { Agent, request } from "node:http";

interface Start {
  type: "start";
  url: string;
  region: string;
  watchers: number;
}
interface Expect {
  type: "expect";
  cursor: number;
}

const now = () => performance.timeOrigin + performance.now();
const agent = new Agent({ keepAlive: true, maxSockets: Number.POSITIVE_INFINITY });
/** cursor → arrival times, one per watcher. */
const arrivals = new Map<number, number[]>();
let watchers = 0;
let expected: number | undefined;

function open(url: string, region: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}/v1/regions/${region}/watch`, { agent, headers: { accept: "text/event-stream" } }, (res) => {
      if (res.statusCode !== 200) return reject(new Error(`watch answered ${res.statusCode}`));
      res.setEncoding("utf8");
      let buffer = "";
      let first = true;
      res.on("data", (chunk: string) => {
        const at = now();
        buffer += chunk;
        let end = buffer.indexOf("\n\n");
        while (end >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          end = buffer.indexOf("\n\n");
          if (first) {
            first = false;
            resolve();
          }
          const id = /^id: .*:(\d+)$/m.exec(block);
          if (id?.[1]) arrived(Number(id[1]), at);
        }
      });
      res.on("error", () => {});
    });
    req.on("error", reject);
    req.end();
  });
}

function arrived(cursor: number, at: number): void {
  let times = arrivals.get(cursor);
  if (!times) {
    times = [];
    arrivals.set(cursor, times);
  }
  times.push(at);
  report();
}

function report(): void {
  if (expected === undefined) return;
  const times = arrivals.get(expected);
  if (!times || times.length < watchers) return;
  process.send?.({ type: "arrived", cursor: expected, times });
  arrivals.clear();
  expected = undefined;
}

process.on("disconnect", () => process.exit(0));
process.on("message", async (message: Start | Expect) => {
  if (message.type === "start") {
    watchers = message.watchers;
    // In batches, so the server's accept backlog is never the thing being measured.
    for (let opened = 0; opened < message.watchers; ) {
      const batch = Math.min(100, message.watchers - opened);
      await Promise.all(Array.from({ length: batch }, () => open(message.url, message.region)));
      opened += batch;
    }
    arrivals.clear();
    process.send?.({ type: "connected" });
  } else if (message.type === "expect") {
    expected = message.cursor;
    report();
  }
});
process.send?.({ type: "ready" });
