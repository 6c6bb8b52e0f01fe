/** `verso serve` as a child process on a known port, for tests that stop and restart it. */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

export { freePort } from "../support/free-port.js";

const RUNNER = fileURLToPath(new URL("./run-verso.ts", import.meta.url));

export function startServerProcess(db: string, port: number) {
  return startServeProcess(["--db", db, "--synchronous", "normal"], port);
}

/** `verso serve` with the given storage flags (`--db …` or `--postgres … --pg-schema …`). */
export async function startServeProcess(storage: readonly string[], port: number) {
  const child = spawn(process.execPath, ["--import", "tsx", RUNNER, "serve", ...storage, "--port", String(port)], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  await new Promise<void>((resolve, reject) => {
    let text = "";
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      text += chunk;
      if (text.includes("serving")) resolve();
    });
    child.once("exit", (code) => reject(new Error(`server exited (${code}) before listening: ${text}`)));
  });
  return {
    url: `http://127.0.0.1:${port}`,
    kill: async (signal: NodeJS.Signals = "SIGKILL") => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}
