/** `verso serve` as a child process on a known port, for tests that stop and restart it. */
import { spawn } from "node:child_process";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";

const RUNNER = fileURLToPath(new URL("./run-verso.ts", import.meta.url));

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (typeof address !== "object" || !address) throw new Error("no port");
  return address.port;
}

export async function startServerProcess(db: string, port: number) {
  const child = spawn(
    process.execPath,
    ["--import", "tsx", RUNNER, "serve", "--db", db, "--port", String(port), "--synchronous", "normal"],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
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
