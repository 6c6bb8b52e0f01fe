/** Starts bench/http-target.ts in a child process and stops it again. */
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

const TARGET = fileURLToPath(new URL("./http-target.ts", import.meta.url));

export interface ChildServer {
  url: string;
  stop: () => Promise<void>;
}

export async function startChild(args: string[]): Promise<ChildServer> {
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
  const { url } = JSON.parse(first) as { url: string };
  return {
    url,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      await exited;
    },
  };
}
