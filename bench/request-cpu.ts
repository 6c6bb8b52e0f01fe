/**
 * CPU per request of an HTTP server under wrk: the server (http-target.ts, pinned to core
 * 0 with all its threads) is loaded by wrk pinned to core 1, and its CPU time (user +
 * system, from /proc, kernel work for its sockets and syscalls included) over the load
 * window is divided by the requests wrk completed. It varies less with the machine's
 * other load than requests per second do, which is what a change to the request path is
 * judged by: run it on the code before and after, alternately.
 *
 *   node --import tsx bench/request-cpu.ts [--samples 3] [--seconds 3] [--only get,put,post]
 *     [--target verso|bare|bare-fsync|bare-sqlite]
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { startChild } from "./child-server.js";
import { type HttpLoad, requestsPerSecond } from "./load-wrk.js";
import { tempDir } from "./temp.js";
import { COLLECTION, KEY_SPACE, REGION, VALUE } from "./workload.js";

const { values } = parseArgs({
  options: {
    samples: { type: "string", default: "3" },
    seconds: { type: "string", default: "3" },
    only: { type: "string", default: "get,put,post" },
    target: { type: "string", default: "verso" },
    connections: { type: "string", default: "32" },
  },
});

const ROWS = `/v1/regions/${REGION}/collections/${COLLECTION}/rows`;
const LOADS: Record<string, HttpLoad> = {
  get: { method: "GET", path: `${ROWS}/d1` },
  put: { method: "PUT", path: `${ROWS}/d{i}`, keys: KEY_SPACE, body: JSON.stringify(VALUE) },
  post: { method: "POST", path: `/v1/regions/${REGION}/next-version` },
};

/** User + system CPU seconds of a process, all its threads. */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
  // utime and stime are fields 14 and 15 of stat; fields[0] is field 3.
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

const temp = tempDir();
const target = values.target;
const args =
  target === "verso"
    ? ["verso", temp.file("verso.db"), "full", "512"]
    : target === "bare"
      ? ["bare"]
      : [target, temp.file(`${target}.data`)];
const server = await startChild(args, { pinned: true });
try {
  const pid = server.pid;
  if (pid === undefined) throw new Error("the server has no pid");
  const seconds = Number(values.seconds);
  const connections = Number(values.connections);
  // The GET reads a row the PUTs write: write it first.
  await fetch(`${server.url}${ROWS}/d1`, { method: "PUT", body: JSON.stringify(VALUE), headers: { "content-type": "application/json" } });
  for (const name of values.only.split(",")) {
    const load = LOADS[name];
    if (!load) throw new Error(`unknown load ${name}: get, put or post`);
    await requestsPerSecond(server.url, load, connections, 1);
    for (let sample = 0; sample < Number(values.samples); sample++) {
      const before = cpuSeconds(pid);
      const rate = await requestsPerSecond(server.url, load, connections, seconds);
      const cpu = cpuSeconds(pid) - before;
      // wrk's rate is over its own run of `seconds`; the CPU window also holds its start and end, when the server idles.
      const requests = rate * seconds;
      process.stdout.write(
        `${target} ${name.padEnd(4)} ${Math.round(rate).toString().padStart(6)} req/s  ${((cpu / requests) * 1e6).toFixed(1).padStart(5)} µs CPU per request\n`,
      );
    }
  }
} finally {
  await server.stop();
  temp.remove();
}
