/** Runs the `verso` CLI from source in a child process, as the auth CLI tests do. */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { once } from "node:events";
import { promisify } from "node:util";

const run = promisify(execFile);
const ENTRY =
  'import("./src/cli/main.ts").then(async (m) => { const code = await m.main(process.argv.slice(1)); if (code >= 0) process.exitCode = code; })';
const CWD = new URL("../..", import.meta.url).pathname;

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export async function verso(args: string[]): Promise<CliResult> {
  try {
    const { stdout, stderr } = await run(process.execPath, ["--import", "tsx", "-e", ENTRY, ...args], { cwd: CWD, timeout: 30_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === "number" ? e.code : -1, stdout: e.stdout ?? "", stderr: e.stderr ?? "" };
  }
}

export interface ServingProcess {
  url: string;
  stop: () => Promise<void>;
}

/** Starts `verso restate serve ...` and resolves with the endpoint URL it reports. */
export async function versoRestateServe(args: string[], timeoutMs = 30_000): Promise<ServingProcess> {
  const child: ChildProcess = spawn(process.execPath, ["--import", "tsx", "-e", ENTRY, "restate", "serve", ...args], {
    cwd: CWD,
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  const exited = once(child, "exit");
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGTERM");
      await exited;
    }
  };
  try {
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no endpoint URL within ${timeoutMs} ms: ${stderr}`)), timeoutMs);
      child.stderr?.on("data", (chunk: Buffer) => {
        stderr += chunk.toString();
        const match = /restate endpoint (http:\/\/\S+)/.exec(stderr);
        if (match?.[1]) {
          clearTimeout(timer);
          resolve(match[1]);
        }
      });
      child.once("exit", (code) => {
        clearTimeout(timer);
        reject(new Error(`verso restate serve exited (${code}): ${stderr}`));
      });
    });
    return { url, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
