/**
 * The benchmarks that are scripts of their own (bench/postgres.ts, restate.ts, bootstrap.ts,
 * fanout.ts): long, or needing a service, so `npm run bench` runs them only when named in
 * --only. Each runs in a child process exactly as its own command line would run it, and
 * prints its own figures and ratios; the arguments after `--` are passed on to it.
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";

export async function runScript(file: string, args: readonly string[]): Promise<void> {
  const path = fileURLToPath(new URL(file, import.meta.url));
  process.stdout.write(`\n$ node --import tsx bench/${file}${args.length > 0 ? ` ${args.join(" ")}` : ""}\n`);
  const child = spawn(process.execPath, ["--import", "tsx", path, ...args], { stdio: "inherit" });
  const [code, signal] = (await once(child, "exit")) as [number | null, NodeJS.Signals | null];
  if (code !== 0) throw new Error(`bench/${file} failed (${signal ?? `exit code ${code}`})`);
}
