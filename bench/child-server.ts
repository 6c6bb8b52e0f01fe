/** Starts bench/http-target.ts in a child process and stops it again. */
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { canPin, pinProcess, SERVER_CORE } from "./pinning.js";

const TARGET = fileURLToPath(new URL("./http-target.ts", import.meta.url));

export interface ChildServer {
  url: string;
  /** The server's process id (to read its CPU time from /proc). */
  pid: number | undefined;
  stop: () => Promise<void>;
}

export interface ChildOptions {
  /** Pin every thread of the server to the server core, away from the load generator. */
  pinned?: boolean;
}

export async function startChild(args: string[], options: ChildOptions = {}): Promise<ChildServer> {
  const child: ChildProcess = spawn(process.execPath, ["--import", "tsx", TARGET, ...args], { stdio: ["pipe", "pipe", "inherit"] });
  const exited = once(child, "exit");
  if (!child.stdout) throw new Error("child has no stdout");
  const lines = createInterface({ input: child.stdout });
  const died = exited.then(([code]) => {
    throw new Error(`server ${args[0]} exited with ${code} before listening`);
  });
  died.catch(() => {}); // the child exits at stop() too, long after the race is decided
  const first = await Promise.race([once(lines, "line").then(([line]) => String(line)), died]);
  lines.close();
  if (options.pinned && canPin() && child.pid !== undefined) pinProcess(child.pid, SERVER_CORE);
  const { url } = JSON.parse(first) as { url: string };
  return {
    url,
    pid: child.pid,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      // A server that does not stop within 10 s is killed, so a benchmark never hangs on it.
      const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
