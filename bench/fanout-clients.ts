/**
 * Child process of bench/fanout.ts and bench/etcd.ts: opens many watch streams and
 * reports, per cursor, when each stream received it. Parsing is the minimum each needs
 * (SSE: event boundaries and the `id:` line; etcd's JSON gateway: one JSON object per
 * line and its `mod_revision`), so that this process measures arrival, not parsing.
 */
import { Agent, request } from "node:http";

interface Start {
  type: "start";
  url: string;
  region: string;
  watchers: number;
  /** verso's SSE watch (default) or etcd's `/v3/watch` on the key `region`. */
  peer?: "verso" | "etcd";
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

const SSE = { separator: "\n\n", cursor: /^id: .*:(\d+)$/m };
const ETCD = { separator: "\n", cursor: /"mod_revision":"(\d+)"/ };

function open(url: string, region: string, peer: "verso" | "etcd"): Promise<void> {
  const etcd = peer === "etcd";
  const { separator, cursor } = etcd ? ETCD : SSE;
  return new Promise((resolve, reject) => {
    const target = etcd ? `${url}/v3/watch` : `${url}/v1/regions/${region}/watch`;
    const headers = etcd ? { "content-type": "application/json" } : { accept: "text/event-stream" };
    const req = request(target, { agent, method: etcd ? "POST" : "GET", headers }, (res) => {
      if (res.statusCode !== 200) return reject(new Error(`watch answered ${res.statusCode}`));
      res.setEncoding("utf8");
      let buffer = "";
      let first = true;
      res.on("data", (chunk: string) => {
        const at = now();
        buffer += chunk;
        let end = buffer.indexOf(separator);
        while (end >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + separator.length);
          end = buffer.indexOf(separator);
          if (first) {
            first = false;
            resolve();
          }
          const id = cursor.exec(block);
          if (id?.[1]) arrived(Number(id[1]), at);
        }
      });
      res.on("error", () => {});
    });
    req.on("error", reject);
    req.end(etcd ? JSON.stringify({ create_request: { key: Buffer.from(region).toString("base64") } }) : undefined);
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
      await Promise.all(Array.from({ length: batch }, () => open(message.url, message.region, message.peer ?? "verso")));
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
