/** Starting `verso` as a real child process: a server (URL read from its log), a running command, or one CLI call. */
import { type ChildProcess, spawn } from "node:child_process";
import type { Readable } from "node:stream";
import { fileURLToPath } from "node:url";

export const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));
const ENTRY = fileURLToPath(new URL("./verso-entry.ts", import.meta.url));

/** The environment of the test run, minus anything that would change verso's defaults. */
function cleanEnv(extra: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) if (!name.startsWith("VERSO_") && name !== "PORT") env[name] = value;
  return { ...env, ...extra };
}

export interface SpawnOptions {
  env?: NodeJS.ProcessEnv;
  /** Run this bin/verso.js (see transpiled-bin.ts) instead of the sources through tsx. */
  bin?: string;
}

function spawnVerso(args: string[], options: SpawnOptions = {}): ChildProcess {
  const command = options.bin ? [options.bin] : ["--import", "tsx", ENTRY];
  return spawn(process.execPath, [...command, ...args], {
    cwd: REPO_ROOT,
    env: cleanEnv(options.env ?? {}),
    stdio: ["pipe", "pipe", "pipe"],
  });
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** Output of a stream collected as text, with a way to await a pattern in it. */
export interface Watched {
  text: () => string;
  /** Resolves with the first match of `pattern` once the output contains it. */
  waitFor: (pattern: RegExp, timeoutMs?: number) => Promise<RegExpExecArray>;
}

export function watch(stream: Readable | null, what: string): Watched {
  let text = "";
  const watchers = new Set<() => void>();
  stream?.setEncoding("utf8");
  stream?.on("data", (chunk: string) => {
    text += chunk;
    for (const check of [...watchers]) check();
  });
  const waitFor = (pattern: RegExp, timeoutMs = 10_000) =>
    new Promise<RegExpExecArray>((resolve, reject) => {
      const check = () => {
        const match = pattern.exec(text);
        if (!match) return;
        watchers.delete(check);
        clearTimeout(timer);
        resolve(match);
      };
      const timer = setTimeout(() => {
        watchers.delete(check);
        reject(new Error(`${what} did not show ${pattern} within ${timeoutMs} ms:\n${text}`));
      }, timeoutMs);
      watchers.add(check);
      check();
    });
  return { text: () => text, waitFor };
}

export interface Running {
  child: ChildProcess;
  /** Settles when the process has exited and its output is read. */
  exited: Promise<Exit>;
  stdout: Watched;
  stderr: Watched;
}

/** Starts `verso ARGS` and leaves it running. */
export function startVerso(args: string[], options: SpawnOptions = {}): Running {
  const child = spawnVerso(args, options);
  // "close" rather than "exit": it comes once the output has been read to the end too.
  const exited = new Promise<Exit>((resolve) => child.once("close", (code, signal) => resolve({ code, signal })));
  return {
    child,
    exited,
    stdout: watch(child.stdout, `verso ${args[0]} (stdout)`),
    stderr: watch(child.stderr, `verso ${args[0]} (stderr)`),
  };
}

export interface ChildServer extends Running {
  url: string;
  /** Everything the server logged so far. */
  log: () => string;
}

/** Starts `verso serve --port 0 ...` and resolves once it logs the URL it listens on. */
export async function startChildServer(args: string[], startupMs = 20_000): Promise<ChildServer> {
  const running = startVerso(["serve", "--port", "0", ...args]);
  running.child.stdout?.resume();
  const died = running.exited.then((exit) => {
    throw new Error(`server exited before listening (${JSON.stringify(exit)}):\n${running.stderr.text()}`);
  });
  try {
    const match = await Promise.race([running.stderr.waitFor(/serving (https?:\/\/\S+)/, startupMs), died]);
    return { ...running, url: match[1] ?? "", log: running.stderr.text };
  } catch (error) {
    await stopChild(running);
    throw error;
  }
}

/** Kills a process if it still runs and waits for it to be gone (for test cleanup). */
export async function stopChild(running: Running | undefined): Promise<void> {
  if (!running) return;
  if (running.child.exitCode === null && running.child.signalCode === null) running.child.kill("SIGKILL");
  await running.exited;
}

export interface CliResult extends Exit {
  stdout: string;
  stderr: string;
}

/** Runs one `verso ...` call to completion, optionally feeding stdin. */
export async function runCli(args: string[], options: SpawnOptions & { input?: string } = {}): Promise<CliResult> {
  const running = startVerso(args, options);
  running.child.stdin?.end(options.input ?? "");
  const exit = await running.exited;
  return { ...exit, stdout: running.stdout.text(), stderr: running.stderr.text() };
}

/** `promise`, or a failure naming `what` if it takes longer than `ms`. */
export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms} ms`)), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}
