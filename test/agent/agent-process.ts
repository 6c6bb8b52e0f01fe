/** `verso agent` as a child process, its stdout parsed as JSON lines. */
import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

const RUNNER = fileURLToPath(new URL("./run-verso.ts", import.meta.url));

export interface AgentLine {
  event: string;
  version?: number;
  cursor?: number | null;
  head?: number;
  op?: string;
  collection?: string;
  key?: string;
}

export class AgentProcess {
  readonly lines: AgentLine[] = [];
  readonly stderr: string[] = [];
  readonly child: ChildProcess;
  readonly exited: Promise<number | null>;
  private waiters: Array<() => void> = [];

  constructor(args: string[]) {
    this.child = spawn(process.execPath, ["--import", "tsx", RUNNER, "agent", "-o", "json", "--status-interval", "0", ...args], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let partial = "";
    this.child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
      const parts = (partial + chunk).split("\n");
      partial = parts.pop() ?? "";
      for (const part of parts) if (part.trim()) this.lines.push(JSON.parse(part) as AgentLine);
      for (const wake of this.waiters.splice(0)) wake();
    });
    this.child.stderr?.setEncoding("utf8").on("data", (chunk: string) => this.stderr.push(chunk));
    this.exited = new Promise((resolve) => this.child.once("exit", (code) => resolve(code)));
    this.exited.then(() => {
      for (const wake of this.waiters.splice(0)) wake();
    });
  }

  get changes(): AgentLine[] {
    return this.lines.filter((l) => l.event === "change");
  }

  /** Waits until a printed line satisfies `predicate` (or fails after `ms`, or if the process exits). */
  async until(predicate: (line: AgentLine) => boolean, what: string, ms = 30_000): Promise<AgentLine> {
    const deadline = Date.now() + ms;
    for (;;) {
      const found = this.lines.find(predicate);
      if (found) return found;
      if (this.child.exitCode !== null || this.child.signalCode !== null)
        throw new Error(`agent exited before ${what}: ${this.stderr.join("")}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what}; stderr: ${this.stderr.join("").slice(-2000)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  kill(signal: NodeJS.Signals): Promise<number | null> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
    return this.exited;
  }
}

/** Versions of the change lines must rise strictly (one op per write in these tests). */
export function strictlyIncreasing(versions: number[]): boolean {
  return versions.every((v, i) => i === 0 || v > (versions[i - 1] ?? -1));
}
