/**
 * How `verso serve` is told where to store: one backend at a time, a PostgreSQL URL
 * that is checked and named when it fails, and no folders made up for a mistyped --db.
 */
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { type CliResult, startChildServer, startVerso, stopChild, within } from "../support/child-process.js";
import { type TranspiledBin, transpiledBin } from "../support/transpiled-bin.js";

/** The CLI without a loader in between: these processes stop right after starting. */
let built: TranspiledBin | undefined;

function exited(result: CliResult, code: number, stderr: RegExp): void {
  assert.equal(result.code, code, `expected exit ${code}, got ${result.code}\nstderr: ${result.stderr}`);
  assert.match(result.stderr, stderr);
}

/** Runs `verso serve ARGS` expecting it to stop by itself; one that keeps serving fails the test. */
async function serve(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  if (!built) throw new Error("the CLI was not built");
  const running = startVerso(["serve", "--port", "0", ...args], { env, bin: built.bin });
  try {
    const exit = await within(running.exited, 60_000, `verso serve ${args.join(" ")} to stop by itself`);
    return { ...exit, stdout: running.stdout.text(), stderr: running.stderr.text() };
  } finally {
    await stopChild(running);
  }
}

/** A port nothing listens on: bound, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (typeof address !== "object" || address === null) throw new Error("no port");
  return address.port;
}

describe("verso serve: where to store", () => {
  const dir = mkdtempSync(join(tmpdir(), "verso-serve-storage-"));
  before(async () => {
    built = await transpiledBin();
  });
  after(() => {
    built?.remove();
    rmSync(dir, { recursive: true, force: true });
  });

  it("refuses --postgres together with --db, from flags or variables", async () => {
    const flags = await serve(["--db", join(dir, "a.db"), "--postgres", "postgres://postgres@127.0.0.1/test"]);
    const mixed = await serve(["--db", join(dir, "a.db")], { VERSO_DATABASE_URL: "postgres://postgres@127.0.0.1/test" });
    exited(flags, 2, /--db .* and --postgres .*: choose one/);
    exited(mixed, 2, /--db .* and \$VERSO_DATABASE_URL .*: choose one/);
    assert.equal(existsSync(join(dir, "a.db")), false, "no SQLite file was made");
  });

  it("refuses a --postgres that is not a PostgreSQL URL, as a usage error", async () => {
    exited(await serve(["--postgres", "notaurl"]), 2, /--postgres must be a postgres:\/\/ URL/);
  });

  it("names PostgreSQL and the flag to fix when the server cannot be reached", async () => {
    const port = await closedPort();
    const url = `postgres://postgres@127.0.0.1:${port}/test`;
    const flag = await serve(["--postgres", url]);
    const variable = await serve([], { VERSO_DATABASE_URL: url });
    const reason = `cannot open PostgreSQL at postgres://postgres@127\\.0\\.0\\.1:${port}/test \\(.*ECONNREFUSED.*\\)`;
    exited(flag, 1, new RegExp(`${reason}; check --postgres`));
    exited(variable, 1, new RegExp(`${reason}; check \\$VERSO_DATABASE_URL`));
  });

  it("refuses a --db whose folder does not exist, and makes no folders", async () => {
    const missing = join(dir, "no", "such", "folder");
    exited(await serve(["--db", join(missing, "x.db")]), 2, /folder .*no\/such\/folder of --db .* does not exist/);
    assert.equal(existsSync(join(dir, "no")), false);
  });

  it("says in its start line when it created the database file", async () => {
    const db = join(dir, "fresh.db");
    let server = await startChildServer(["--db", db]);
    await stopChild(server);
    assert.match(server.log(), /sqlite .*fresh\.db \(new file\), synchronous=full/);
    server = await startChildServer(["--db", db]);
    await stopChild(server);
    assert.match(server.log(), /sqlite .*fresh\.db, synchronous=full/);
  });
});
