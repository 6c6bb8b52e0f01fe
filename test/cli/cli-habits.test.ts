/** `verso --version`, `verso completion bash|zsh`, and global flags given before the command. */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { promisify } from "node:util";
import { CLIENT_COMMANDS } from "../../src/cli/client-usage.js";
import { freePort, startServerProcess } from "../agent/server-process.js";
import { REPO_ROOT, runCli } from "../support/child-process.js";

const run = promisify(execFile);
const ENTRY = join(REPO_ROOT, "test/support/verso-entry.ts");
const VERSO = `node --import tsx ${ENTRY}`;
const TOP_COMMANDS = [
  "serve",
  "agent",
  "token",
  "schema",
  "check-ordering",
  "restate",
  "completion",
  "help",
  ...Object.keys(CLIENT_COMMANDS),
];

/** What bash completes after `verso WORDS...`, by calling the generated function as bash would. */
async function bashCompletes(...words: string[]): Promise<string[]> {
  const script = `source <(${VERSO} completion bash)
COMP_WORDS=(verso ${words.map((w) => `'${w}'`).join(" ")}); COMP_CWORD=${words.length}
_verso; printf '%s\\n' "\${COMPREPLY[@]}"`;
  const { stdout } = await run("bash", ["-c", script], { cwd: REPO_ROOT });
  return stdout.split("\n").filter(Boolean);
}

describe("verso's command-line habits", () => {
  it("--version and -V print the package's version", async () => {
    const { version } = JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")) as { version: string };
    for (const flag of ["--version", "-V"]) {
      const result = await runCli([flag]);
      assert.equal(result.code, 0);
      assert.equal(result.stdout, `verso ${version}\n`);
    }
  });

  it("completion bash: sourcing it registers verso, and it offers every command and each command's flags", async () => {
    const { stdout } = await run("bash", ["-c", `source <(${VERSO} completion bash); complete -p verso`], { cwd: REPO_ROOT });
    assert.equal(stdout.trim(), "complete -F _verso verso");
    assert.deepEqual(
      (await bashCompletes("")).sort(),
      [...TOP_COMMANDS, "--server", "--token", "--ca", "-o", "--output", "--version", "-V", "--help"].sort(),
    );
    assert.deepEqual(await bashCompletes("put", "--if"), ["--if-match", "--if-absent"]);
    assert.deepEqual(
      await bashCompletes("--server", "http://x", "watch", "--s"),
      ["--since", "--server"],
      "global flags before the command are skipped",
    );
    assert.deepEqual(await bashCompletes("token", ""), [
      "create",
      "list",
      "revoke",
      "--ca",
      "--name",
      "--read",
      "--region",
      "--server",
      "--token",
      "--write",
      "-o",
    ]);
    assert.ok((await bashCompletes("serve", "--pg")).includes("--pg-schema"));
    assert.ok((await bashCompletes("agent", "--re")).includes("--replica"));
  });

  it("completion zsh names every command, and a wrong shell is a usage error", async () => {
    const zsh = await runCli(["completion", "zsh"]);
    assert.equal(zsh.code, 0);
    assert.match(zsh.stdout, /^#compdef verso\n/);
    for (const command of TOP_COMMANDS) assert.match(zsh.stdout, new RegExp(`\\n    ${command}\\) compadd -- `), command);
    const wrong = await runCli(["completion", "fish"]);
    assert.equal(wrong.code, 2);
    assert.match(wrong.stderr, /usage: verso completion bash\|zsh/);
  });

  it("global flags are accepted before the command", async () => {
    const dir = mkdtempSync(join(tmpdir(), "verso-cli-habits-"));
    const server = await startServerProcess(join(dir, "verso.db"), await freePort());
    try {
      const put = await runCli(["--server", server.url, "-o", "json", "put", "r1", "c", "k", '{"n": 1}']);
      assert.equal(put.code, 0, put.stderr);
      assert.deepEqual(JSON.parse(put.stdout), { region: "r1", collection: "c", key: "k", version: 1 });
      const get = await runCli([`--server=${server.url}`, "--output", "json", "get", "r1", "c", "k"]);
      assert.equal(get.code, 0, get.stderr);
      assert.deepEqual(JSON.parse(get.stdout), { key: "k", version: 1, value: { n: 1 } });
      const missing = await runCli(["--server"]);
      assert.equal(missing.code, 2);
      assert.match(missing.stderr, /--server needs a value/);
    } finally {
      await server.kill();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
