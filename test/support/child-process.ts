/** Starting `verso` as a real child process: a server (URL read from its log) or one CLI call. */
import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

export const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));
const ENTRY = fileURLToPath(new URL("./verso-entry.ts", import.meta.url));

/** The environment of the test run, minus anything that would change verso's defaults. */
function cleanEnv(extra: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) if (!name.startsWith("VERSO_") && name !== "PORT") env[name] = value;
  return { ...env, ...extra };
}

function spawnVerso(args: string[], env: NodeJS.ProcessEnv = {}): ChildProcess {
  return spawn(process.execPath, ["--import", "tsx", ENTRY, ...args], {
    cwd: REPO_ROOT,
    env: cleanEnv(env),
    stdio: ["pipe", "pipe", "pipe"],
  });
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ChildServer {
  url: string;
  child: ChildProcess;
  /** Settles when the process has exited. */
  exited: Promise<Exit>;
  /** Everything the server logged so far. */
  log: () => string;
  /** Resolves when the server has logged a line matching `pattern`. */
  logged: (pattern: RegExp, timeoutMs?: number) => Promise<void>;
}

/** Starts `verso serve --port 0 ...` and resolves once it logs the URL it listens on. */
export function startChildServer(args: string[], startupMs = 20_000): Promise<ChildServer> {
  const child = spawnVerso(["serve", "--port", "0", ...args]);
  let log = "";
  const watchers = new Set<() => void>();
  const exited = new Promise<Exit>((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
  const logged = (pattern: RegExp, timeoutMs = 10_000) =>
    new Promise<void>((resolve, reject) => {
      const check = () => {
        if (!pattern.test(log)) return;
        watchers.delete(check);
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        watchers.delete(check);
        reject(new Error(`server did not log ${pattern} within ${timeoutMs} ms:\n${log}`));
      }, timeoutMs);
      watchers.add(check);
      check();
    });
  child.stdout?.resume();
  child.stderr?.setEncoding("utf8");
  child.stderr?.on("data", (chunk: string) => {
    log += chunk;
    for (const check of [...watchers]) check();
  });
  const server = { child, exited, log: () => log, logged };
  const listening = logged(/serving http:\/\/\S+/, startupMs).then(() => {
    const url = /serving (http:\/\/\S+)/.exec(log)?.[1] ?? "";
    return { ...server, url };
  });
  const died = exited.then((exit) => {
    throw new Error(`server exited before listening (${JSON.stringify(exit)}):\n${log}`);
  });
  return Promise.race([listening, died]).catch(async (error: unknown) => {
    child.kill("SIGKILL");
    await exited;
    throw error;
  });
}

/** Kills a server if it still runs and waits for it to be gone (for test cleanup). */
export async function stopChild(server: ChildServer | undefined): Promise<void> {
  if (!server) return;
  if (server.child.exitCode === null && server.child.signalCode === null) server.child.kill("SIGKILL");
  await server.exited;
}

export interface CliResult extends Exit {
  stdout: string;
  stderr: string;
}

/** Runs one `verso ...` call to completion, optionally feeding stdin. */
export function runCli(args: string[], options: { input?: string; env?: NodeJS.ProcessEnv } = {}): Promise<CliResult> {
  const child = spawnVerso(args, options.env);
  let stdout = "";
  let stderr = "";
  child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
    stdout += chunk;
  });
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
    stderr += chunk;
  });
  child.stdin?.end(options.input ?? "");
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/** `promise`, or a failure naming `what` if it takes longer than `ms`. */
export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms} ms`)), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}
