/**
 * HTTP load from wrk, a separate process in C, pinned to its own core (see pinning.ts):
 * it takes far less CPU per request than a Node load generator and none of the server's.
 * Installed from Debian's packages when missing. Failed requests make the figure fail.
 */
import { execFileSync, spawn } from "node:child_process";
import { once } from "node:events";
import { writeFileSync } from "node:fs";
import { pinnedCommand } from "./pinning.js";
import { tempDir } from "./temp.js";

export interface HttpLoad {
  method: "GET" | "POST" | "PUT";
  /** Request path; `{i}` is replaced by a counter modulo `keys`, so writes spread over keys. */
  path: string;
  keys?: number;
  body?: string;
  /** Bodies used in turn, one per request (for peers whose keys travel in the body); wins over `body`. */
  bodies?: readonly string[];
  /** Seconds after which wrk counts a request as timed out (wrk's default: 2). */
  timeoutSeconds?: number;
}

interface WrkSummary {
  requests: number;
  durationUs: number;
  errors: { connect: number; read: number; write: number; status: number; timeout: number };
}

let checked = false;

/** Makes sure wrk is there, installing Debian's package once when it is not (as root). */
export function ensureWrk(): void {
  if (checked) return;
  try {
    execFileSync("wrk", ["--version"], { stdio: "ignore" });
  } catch (error) {
    // wrk --version exits 1 after printing its version; only a missing binary throws ENOENT.
    if ((error as NodeJS.ErrnoException).code === "ENOENT") {
      process.stderr.write("wrk is missing: apt-get install -y wrk\n");
      execFileSync("apt-get", ["install", "-y", "wrk"], { stdio: "inherit" });
    }
  }
  checked = true;
}

function luaString(text: string): string {
  return JSON.stringify(text); // a JSON string literal is a valid Lua string literal for ASCII text
}

function script(load: HttpLoad): string {
  const [before, after] = load.path.split("{i}");
  const path =
    after === undefined ? luaString(before ?? "") : `${luaString(before ?? "")} .. (n % ${load.keys ?? 1000}) .. ${luaString(after)}`;
  const bodies = load.bodies ?? (load.body === undefined ? [] : [load.body]);
  return `
local n = 0
local bodies = { ${bodies.map(luaString).join(", ")} }
wrk.method = ${luaString(load.method)}
${bodies.length === 0 ? "" : 'wrk.headers["content-type"] = "application/json"'}
request = function()
  n = n + 1
  return wrk.format(nil, ${path}, nil, bodies[(n % ${Math.max(1, bodies.length)}) + 1])
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('\\n{"requests":%d,"durationUs":%d,"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d}}\\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout))
end
`;
}

/** Requests per second that wrk completed against `url` with `connections` for `seconds` (whole seconds, at least 1: wrk counts no less). */
export async function requestsPerSecond(url: string, load: HttpLoad, connections: number, seconds: number): Promise<number> {
  ensureWrk();
  const temp = tempDir();
  try {
    const file = temp.file("load.lua");
    writeFileSync(file, script(load));
    const [command, args] = pinnedCommand("wrk", [
      "-t1",
      `-c${connections}`,
      `-d${Math.max(1, Math.round(seconds))}s`,
      ...(load.timeoutSeconds === undefined ? [] : ["--timeout", `${load.timeoutSeconds}s`]),
      "-s",
      file,
      url,
    ]);
    const child = spawn(command, args, { stdio: ["ignore", "pipe", "inherit"] });
    let output = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      output += chunk;
    });
    // wrk stops itself after -d; this bounds it if it does not (a stalled server, a stuck socket).
    const limitMs = (Math.max(1, Math.round(seconds)) + 30) * 1000;
    const killer = setTimeout(() => child.kill("SIGKILL"), limitMs);
    const exited = once(child, "exit");
    let code: unknown;
    try {
      [code] = await exited;
    } finally {
      clearTimeout(killer);
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    }
    const line = output.split("\n").find((l) => l.startsWith('{"requests"'));
    if (code !== 0 || line === undefined) throw new Error(`wrk exited with ${code}: ${output}`);
    const summary = JSON.parse(line) as WrkSummary;
    const failed = Object.entries(summary.errors).filter(([, count]) => count > 0);
    if (failed.length > 0) throw new Error(`${load.method} ${url}: ${failed.map(([kind, count]) => `${count} ${kind} errors`).join(", ")}`);
    return summary.requests / (summary.durationUs / 1e6);
  } finally {
    temp.remove();
  }
}
