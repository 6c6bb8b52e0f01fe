/**
 * The README's tour, replayed: a fresh server in an empty folder, then every console
 * block in order, its commands run by a shell (`npx verso` is the CLI, curl is curl) and
 * their output compared with the README's, dates, epochs and ports aside. A command that
 * keeps running (--follow, an agent, a long-poll) runs on while the tour goes on; a
 * block without a `$` is output it, or the server, prints later.
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { REPO_ROOT } from "../support/child-process.js";
import { freePort } from "../support/free-port.js";
import { type TranspiledBin, transpiledBin } from "../support/transpiled-bin.js";
import { until } from "../support/until.js";
import { consoleSteps } from "./console-blocks.js";

const README_PORT = 7070;
/** Commands that do not end by themselves. */
const KEEPS_RUNNING = /--follow|verso agent|waitMs=/;
const hasCurl = spawnSync("curl", ["--version"]).status === 0;

interface Background {
  command: string;
  child: ChildProcess;
  output: () => string;
  /** Lines of output already matched by a block. */
  consumed: number;
}

/** Epochs named in a text: they differ on every run. */
function epochsIn(text: string): string[] {
  return [...text.matchAll(/epoch ([A-Za-z0-9_-]{16})|"epoch":"([A-Za-z0-9_-]{16})"/g)].map((m) => m[1] ?? m[2] ?? "");
}

function normalise(text: string, epochs: Iterable<string>, port: number): string[] {
  let out = text
    .replaceAll("\r\n", "\n")
    .replaceAll(`:${port}`, `:${README_PORT}`)
    .replace(/^Date: .*$/gm, "Date: <date>");
  for (const epoch of epochs) if (epoch !== "") out = out.replaceAll(epoch, "<epoch>");
  return out.replace(/\n$/, "").split("\n");
}

/** Whether `expected` occurs in `lines` in order (other lines, such as status lines, may come between). */
function subsequenceEnd(lines: string[], from: number, expected: string[]): number | undefined {
  let at = from;
  for (const line of expected) {
    while (at < lines.length && lines[at] !== line) at++;
    if (at >= lines.length) return undefined;
    at++;
  }
  return at;
}

describe("README tour", { skip: !hasCurl && "curl is not installed" }, () => {
  const dir = mkdtempSync(join(tmpdir(), "verso-tour-"));
  let built: TranspiledBin | undefined;
  let port: number;
  const running: Background[] = [];
  const readmeEpochs = new Set<string>();
  const seenEpochs = new Set<string>();

  before(async () => {
    built = await transpiledBin();
    port = await freePort();
    mkdirSync(join(dir, "bin"));
    // `npx verso ARGS` in the README is the CLI under test.
    writeFileSync(join(dir, "bin", "npx"), `#!/bin/sh\n[ "$1" = verso ] && shift\nexec "${process.execPath}" "${built.bin}" "$@"\n`);
    chmodSync(join(dir, "bin", "npx"), 0o755);
  });
  after(async () => {
    const live = running.filter((p) => p.child.exitCode === null && p.child.signalCode === null);
    const closed = live.map((p) => new Promise((resolve) => p.child.once("close", resolve)));
    // Each runs in a process group of its own (detached), so the shell and what it started go together.
    for (const p of live) if (p.child.pid !== undefined) process.kill(-p.child.pid, "SIGKILL");
    await Promise.all(closed);
    built?.remove();
    rmSync(dir, { recursive: true, force: true });
  });

  const env = () => ({
    ...process.env,
    PATH: `${join(dir, "bin")}:${process.env.PATH}`,
    VERSO_SERVER: `http://127.0.0.1:${port}`,
    // The README shows what a person sees at a terminal, where the log is pretty.
    VERSO_LOG_FORMAT: "pretty",
    PORT: String(port),
  });
  // Each command gets its own shell, which starts with the previous one's exit status, so `echo $?` works.
  let lastStatus = 0;
  const shellCommand = (command: string) =>
    command === "npm start"
      ? "exec npx verso serve"
      : `(exit ${lastStatus}); ${command.replaceAll(`localhost:${README_PORT}`, `127.0.0.1:${port}`)}`;

  function start(command: string): Background {
    const child = spawn("/bin/sh", ["-c", shellCommand(command)], {
      cwd: dir,
      env: env(),
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    let text = "";
    child.stdout?.setEncoding("utf8").on("data", (chunk: string) => (text += chunk));
    child.stderr?.setEncoding("utf8").on("data", (chunk: string) => (text += chunk));
    const background = { command, child, output: () => text, consumed: 0 };
    running.push(background);
    return background;
  }

  async function runToEnd(command: string): Promise<string> {
    const child = spawn("/bin/sh", ["-c", shellCommand(command)], { cwd: dir, env: env(), stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout?.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    child.stderr?.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    lastStatus = await new Promise<number>((resolve) => child.once("close", (code) => resolve(code ?? 128)));
    return stdout + stderr;
  }

  /** Waits until one of the running commands has printed `expected` past what earlier blocks matched. */
  async function awaitOutput(expected: string[], candidates: Background[], what: string): Promise<void> {
    const normalised = expected.map((line) => normalise(line, readmeEpochs, README_PORT)[0] ?? "");
    let found: { process: Background; end: number } | undefined;
    const check = () => {
      for (const process of candidates) {
        for (const epoch of epochsIn(process.output())) seenEpochs.add(epoch);
        const end = subsequenceEnd(normalise(process.output(), seenEpochs, port), process.consumed, normalised);
        if (end !== undefined) found = { process, end };
      }
      return found !== undefined;
    };
    await until(check, what, 20_000).catch((error: Error) => {
      const outputs = candidates.map((p) => `--- ${p.command}\n${normalise(p.output(), seenEpochs, port).join("\n")}`).join("\n");
      throw new Error(`${error.message}\nexpected:\n${normalised.join("\n")}\nrunning commands printed:\n${outputs}`);
    });
    if (found) found.process.consumed = found.end;
  }

  it("runs in order and prints what the README shows", { timeout: 180_000 }, async () => {
    const readme = readFileSync(join(REPO_ROOT, "README.md"), "utf8");
    const steps = consoleSteps(readme, "Five-minute tour");
    for (const epoch of epochsIn(readme)) readmeEpochs.add(epoch);
    assert.ok(steps.length > 20, `only ${steps.length} steps found`);
    let server: Background | undefined;
    for (const [index, step] of steps.entries()) {
      const what = `step ${index + 1} (${step.kind === "command" ? `$ ${step.command}` : step.expected[0]})`;
      if (step.kind === "output") {
        if (step.expected[0]?.includes("SIGINT") && server) server.child.kill("SIGINT");
        await awaitOutput(step.expected, running, what);
        continue;
      }
      if (step.command === "npm start" || KEEPS_RUNNING.test(step.command)) {
        const background = start(step.command);
        if (step.command === "npm start") server = background;
        if (step.expected.length > 0) await awaitOutput(step.expected, [background], what);
        continue;
      }
      const output = await runToEnd(step.command);
      for (const epoch of epochsIn(output)) seenEpochs.add(epoch);
      assert.deepEqual(
        normalise(output, seenEpochs, port),
        step.expected.map((line) => normalise(line, readmeEpochs, README_PORT)[0] ?? ""),
        `${what} printed something else`,
      );
    }
    // The agent's --exec appended each change it was given: one JSON record per line.
    const agent = running.find((p) => p.command.includes("verso agent"));
    // In human mode the agent sums up each page: "changes up to vN: P put, D del (…)".
    const summaries = [...(agent?.output() ?? "").matchAll(/^changes up to v\d+: (\d+) put, (\d+) del/gm)];
    const changeLines = summaries.reduce((sum, [, puts, dels]) => sum + Number(puts) + Number(dels), 0);
    assert.ok(changeLines > 0, "the agent printed no changes");
    const jsonl = () => readFileSync(join(dir, "changes.jsonl"), "utf8");
    await until(() => jsonl().split("\n").length === changeLines + 1, "every change in changes.jsonl");
    const records = jsonl().replace(/\n$/, "").split("\n");
    for (const record of records) assert.doesNotThrow(() => JSON.parse(record), `not one JSON record per line: ${JSON.stringify(jsonl())}`);
  });
});
