/** Messages between a benchmark and its forked children, each wait bounded so a dead or silent child fails the run. */
import type { ChildProcess } from "node:child_process";
import { once } from "node:events";

/** The child's next message of `type`. */
export async function next<T>(proc: ChildProcess, type: string, timeoutMs = 60_000): Promise<T> {
  const signal = AbortSignal.timeout(timeoutMs);
  for (;;) {
    const [message] = (await once(proc, "message", { signal }).catch(() => {
      throw new Error(`no "${type}" from ${proc.spawnargs.at(-1)} within ${timeoutMs} ms`);
    })) as [{ type: string } & T];
    if (message.type === type) return message;
  }
}

/** Sends `{type}` and awaits the answer of the same type. */
export function ask<T>(proc: ChildProcess, type: string, timeoutMs?: number): Promise<T> {
  const answer = next<T>(proc, type, timeoutMs);
  proc.send({ type });
  return answer;
}
