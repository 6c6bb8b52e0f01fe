/**
 * `verso schema` as a user runs it: register, check (a dry run that exits 1 when
 * incompatible), list, get, and an upgrade killed with SIGKILL halfway while writers
 * keep writing, then run again: every row ends at the new version and no acknowledged
 * write is lost.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import type { VersoStore } from "../../src/core/store.js";
import { internalsOf } from "../../src/core/store-internals.js";
import type { WriteCommand } from "../../src/model/write-command.js";
import { openStore } from "../../src/open-store.js";
import type { JsonSchema } from "../../src/protocol/schemas.js";
import type { Json } from "../../src/protocol/types.js";
import { type RunningServer, startServer } from "../../src/server/serve.js";
import { type CliResult, runCli, startVerso, stopChild } from "../support/child-process.js";
import { type TranspiledBin, transpiledBin } from "../support/transpiled-bin.js";

const V1: JsonSchema = {
  type: "object",
  properties: { image: { type: "string" }, replicas: { type: "integer", minimum: 0, default: 1 } },
  required: ["image"],
  additionalProperties: false,
};
const V2: JsonSchema = { ...V1, properties: { ...(V1.properties as object), tier: { enum: ["web", "batch"], default: "web" } } };
const BROKEN: JsonSchema = { ...V1, properties: { image: { type: "integer" }, replicas: { type: "integer", minimum: 0, default: 1 } } };

describe("verso schema", () => {
  const dir = mkdtempSync(join(tmpdir(), "verso-schema-cli-"));
  let store: VersoStore;
  let server: RunningServer;
  let env: NodeJS.ProcessEnv;
  let built: TranspiledBin | undefined;
  const verso = (args: string[]) => runCli(args, { env, bin: built!.bin });
  const file = (name: string, schema: JsonSchema) => {
    const path = join(dir, name);
    writeFileSync(path, JSON.stringify(schema));
    return `@${path}`;
  };

  before(async () => {
    store = await openStore({ path: join(dir, "verso.db"), maintenanceIntervalMs: 0, synchronous: "normal" });
    server = await startServer({ store, port: 0, log: () => {} });
    env = { VERSO_SERVER: server.url };
    built = await transpiledBin();
  });
  after(async () => {
    await server?.stop();
    await store?.close();
    built?.remove();
    rmSync(dir, { recursive: true, force: true });
  });

  function ok(result: CliResult): CliResult {
    assert.equal(result.code, 0, `exit ${result.code}\nstdout: ${result.stdout}\nstderr: ${result.stderr}`);
    return result;
  }

  it("registers, checks, lists and shows versions", async () => {
    assert.equal(ok(await verso(["schema", "register", "deployments", file("v1.json", V1)])).stdout, "deployments: schema version 1\n");
    assert.deepEqual(JSON.parse(ok(await verso(["schema", "register", "deployments", file("v1.json", V1), "-o", "json"])).stdout), {
      collection: "deployments",
      version: 1,
    });
    const refused = await verso(["schema", "check", "deployments", file("broken.json", BROKEN)]);
    assert.equal(refused.code, 1, refused.stderr);
    assert.match(refused.stdout, /not full-compatible; it would be version 2/);
    assert.match(refused.stdout, /\/properties\/image\/type: type_changed: /);
    const fine = ok(await verso(["schema", "check", "deployments", file("v2.json", V2), "-o", "json"]));
    assert.deepEqual(JSON.parse(fine.stdout).compatible, true);
    const register = await verso(["schema", "register", "deployments", file("broken.json", BROKEN)]);
    assert.equal(register.code, 1);
    assert.match(register.stderr, /schema_incompatible \(409\)/);
    assert.match(register.stderr, /type_changed/);
    ok(await verso(["schema", "register", "deployments", file("v2.json", V2)]));
    assert.match(ok(await verso(["schema", "list"])).stdout, /deployments\s+2\s+full/);
    assert.deepEqual(JSON.parse(ok(await verso(["schema", "get", "deployments", "--version", "1", "-o", "json"])).stdout).schema, V1);
    const usage = await verso(["schema", "register", "deployments", file("v2.json", V2), "--compatibility", "sideways"]);
    assert.equal(usage.code, 2);
  });

  it("an upgrade killed with SIGKILL halfway and run again ends with every row at the new version, losing no write", async (t) => {
    await store.registerSchema("services", V1);
    for (const region of ["eu", "us"]) {
      for (let i = 0; i < 150; i++)
        await store.put(region, "services", `s${String(i).padStart(3, "0")}`, { image: `${region}:${i}`, replicas: i % 5 });
    }
    await store.registerSchema("services", V2);

    // Writers keep rewriting rows the upgrade is working through; every acknowledged value is remembered.
    const acknowledged = new Map<string, Json>();
    let writing = true;
    const writer = (async () => {
      for (let n = 0; writing; n++) {
        const region = n % 2 === 0 ? "eu" : "us";
        const key = `s${String((n * 37) % 150).padStart(3, "0")}`;
        const value = { image: `new:${n}`, tier: "batch" };
        await store.put(region, "services", key, value);
        acknowledged.set(`${region}/${key}`, value);
      }
    })();

    // Each upgrade batch takes a little longer than usual, so the kill lands halfway.
    const internals = internalsOf(store);
    const execute = internals.execute.bind(internals);
    internals.execute = async (command: WriteCommand) => {
      if (command.kind === "txn" && command.ops.some((op) => op.op === "put" && op.schemaVersion !== undefined)) await sleep(20);
      return execute(command);
    };
    t.after(() => {
      internals.execute = execute;
    });
    const first = startVerso(["schema", "upgrade", "services", "--to", "2", "--batch", "10", "-o", "json"], { env, bin: built!.bin });
    try {
      await first.stdout.waitFor(/(\{"event":"batch"[^\n]*\n){6}/, 30_000);
      first.child.kill("SIGKILL");
      const exit = await first.exited;
      assert.equal(exit.signal, "SIGKILL");
      assert.doesNotMatch(first.stdout.text(), /"event":"done"/, "killed before it finished");
    } catch (error) {
      writing = false;
      await writer;
      throw error;
    } finally {
      await stopChild(first);
    }
    const between = await store.list("eu", "services", { limit: 1000 });
    assert.ok(
      between.rows.some((r) => r.schema === 1),
      "rows were left at version 1 by the killed run",
    );

    let second: CliResult;
    try {
      second = await verso(["schema", "upgrade", "services", "--to", "2", "--batch", "25"]);
    } finally {
      writing = false;
      await writer;
    }
    assert.match(ok(second).stdout, /every live row is at schema version 2/);

    for (const region of ["eu", "us"]) {
      const { rows } = await store.list(region, "services", { limit: 1000 });
      assert.equal(rows.length, 150);
      for (const row of rows) {
        const key = `${region}/${row.key}`;
        const expected = acknowledged.get(key);
        if (expected !== undefined) assert.deepEqual(row.value, expected, `${key}: the last acknowledged write`);
        else
          assert.deepEqual(row.value, {
            image: `${region}:${Number(row.key.slice(1))}`,
            replicas: Number(row.key.slice(1)) % 5,
            tier: "web",
          });
        // Writes after the second run finished may still be at 2 (they are written at the latest version).
        assert.equal(row.schema, 2, key);
      }
    }
    assert.ok(acknowledged.size > 0);
  });
});
