/**
 * Keeps the load generator off the server's core. A generator sharing the cores with the
 * server takes CPU from it and narrows every HTTP ratio towards 1, so with two or more
 * cores the server under test is pinned to core 0 (all its threads: `taskset -a`) and
 * the generator to core 1.
 */
import { execFileSync } from "node:child_process";
import { availableParallelism } from "node:os";

export const SERVER_CORE = 0;
export const LOAD_CORE = 1;

/** Whether this machine can separate the two: taskset present and at least two cores. */
export function canPin(): boolean {
  if (availableParallelism() < 2) return false;
  try {
    execFileSync("taskset", ["--version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/** Pins every thread of a running process (and the threads it starts later) to one core. */
export function pinProcess(pid: number, core: number): void {
  execFileSync("taskset", ["-a", "-p", "-c", String(core), String(pid)], { stdio: "ignore" });
}

/** The command line of a load generator, pinned to the load core when pinning is possible. */
export function pinnedCommand(command: string, args: readonly string[]): [string, string[]] {
  return canPin() ? ["taskset", ["-c", String(LOAD_CORE), command, ...args]] : [command, [...args]];
}
