/**
 * Each package entry imported alone, in a fresh process, with every module it loads
 * recorded (record-loads.mjs): which packages and builtins it pulls in, and which
 * layers of src. `verso/client` must stay plain `fetch` code that runs anywhere.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { isBuiltin } from "node:module";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { after, describe, it } from "node:test";
import { fileURLToPath, pathToFileURL } from "node:url";

const ROOT = resolve(fileURLToPath(import.meta.url), "../../..");
const PRELOAD = pathToFileURL(join(ROOT, "test/entries/record-loads.mjs")).href;

interface Loads {
  /** Packages from node_modules, by name. */
  packages: Set<string>;
  /** Builtins, as `node:name`. */
  builtins: Set<string>;
  /** Directories (or top-level files) of src. */
  layers: Set<string>;
}

const scratch = mkdtempSync(join(tmpdir(), "verso-entries-"));
let runs = 0;

async function loadsOf(entry: string): Promise<Loads> {
  const record = join(scratch, `loads-${runs++}.txt`);
  const url = pathToFileURL(join(ROOT, entry)).href;
  await new Promise<void>((done, fail) => {
    execFile(
      process.execPath,
      ["--import", "tsx", "--import", PRELOAD, "--input-type=module", "-e", `await import(${JSON.stringify(url)});`],
      { cwd: ROOT, env: { ...process.env, VERSO_RECORD_LOADS: record } },
      (error, _stdout, stderr) => (error ? fail(new Error(`importing ${entry} failed: ${stderr}`)) : done()),
    );
  });
  const loads: Loads = { packages: new Set(), builtins: new Set(), layers: new Set() };
  for (const line of readFileSync(record, "utf8").split("\n")) {
    if (line === "") continue;
    if (line.startsWith("node:") || isBuiltin(line)) {
      loads.builtins.add(line.startsWith("node:") ? line : `node:${line}`);
      continue;
    }
    if (!line.startsWith("file:")) continue;
    const path = fileURLToPath(line);
    const inPackage = /.*\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(path)?.[1];
    if (inPackage) loads.packages.add(inPackage);
    else if (path.startsWith(join(ROOT, "src/"))) loads.layers.add(path.slice(join(ROOT, "src/").length).split("/")[0] ?? "");
  }
  return loads;
}

function assertOnly(found: Set<string>, allowed: readonly string[], what: string): void {
  const extra = [...found].filter((name) => !allowed.includes(name));
  assert.deepEqual(extra, [], `${what} beyond ${allowed.join(", ") || "none"}`);
}

function assertNone(found: Set<string>, forbidden: readonly string[], what: string): void {
  assert.deepEqual(
    forbidden.filter((name) => found.has(name)),
    [],
    what,
  );
}

const DRIVERS = ["better-sqlite3", "fastify", "pg"];
const LOWEST = ["protocol", "model", "retry"];

describe("package entries load only their layers", { timeout: 120_000 }, () => {
  after(() => rmSync(scratch, { recursive: true, force: true }));

  it("verso/protocol: types and errors, nothing else", async () => {
    const loads = await loadsOf("src/protocol/index.ts");
    assertOnly(loads.packages, [], "packages");
    assertOnly(loads.builtins, [], "builtins");
    assertOnly(loads.layers, ["protocol"], "layers");
  });

  it("verso/client: plain fetch code, no driver, no server, no builtin", async () => {
    const loads = await loadsOf("src/client/index.ts");
    assertOnly(loads.packages, [], "packages");
    assertNone(loads.packages, DRIVERS, "no database driver nor server framework");
    assertOnly(loads.builtins, [], "builtins (the client must run where only fetch exists)");
    assertOnly(loads.layers, ["client", ...LOWEST], "layers");
  });

  it("verso/agent: the client and SQLite, no server, no PostgreSQL", async () => {
    const loads = await loadsOf("src/agent/index.ts");
    assert.ok(loads.packages.has("better-sqlite3"), "the replica file is SQLite");
    assertNone(loads.packages, ["fastify", "pg"], "no server framework, no PostgreSQL driver");
    assertOnly(loads.layers, ["agent", "client", "sqlite", ...LOWEST], "layers");
  });

  it("verso: the store on SQLite; PostgreSQL only when asked for, no server", async () => {
    const loads = await loadsOf("src/index.ts");
    assert.ok(loads.packages.has("better-sqlite3"));
    assertNone(loads.packages, ["fastify", "pg"], "PostgreSQL is loaded on demand, the server is verso/server");
    assertOnly(loads.layers, ["index.ts", "open-store.ts", "core", "storage", "sqlite", ...LOWEST], "layers");
  });

  it("verso/server: Fastify over the store, no PostgreSQL", async () => {
    const loads = await loadsOf("src/server/index.ts");
    assert.ok(loads.packages.has("fastify"));
    assertNone(loads.packages, ["pg"], "PostgreSQL is loaded on demand");
    assertOnly(loads.layers, ["server", "core", "storage", "sqlite", ...LOWEST], "layers");
  });

  it("verso/restate: the Restate SDK, no server, no PostgreSQL", async () => {
    const loads = await loadsOf("src/restate/index.ts");
    assert.ok(loads.packages.has("@restatedev/restate-sdk"));
    assertNone(loads.packages, ["fastify", "pg"], "no server framework, no PostgreSQL driver");
    assertOnly(loads.layers, ["restate", "core", "storage", "sqlite", "client", "agent", ...LOWEST], "layers");
  });
});
