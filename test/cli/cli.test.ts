/**
 * The `verso` CLI as a user runs it: a real child process per call, against a server
 * started in this process. Checks output (human and -o json) and exit codes:
 * 0 ok, 1 contract error or unreachable server, 2 usage error.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { VersoStore } from "../../src/core/store.js";
import { openStore } from "../../src/open-store.js";
import { type RunningServer, startServer } from "../../src/server/serve.js";
import { type CliResult, runCli, startVerso, stopChild, within } from "../support/child-process.js";
import { freePort } from "../support/free-port.js";
import { type TranspiledBin, transpiledBin } from "../support/transpiled-bin.js";

const R = "us-east-1";

describe("verso CLI", () => {
  const dir = mkdtempSync(join(tmpdir(), "verso-cli-"));
  let store: VersoStore;
  let server: RunningServer;
  let env: NodeJS.ProcessEnv;
  let built: TranspiledBin | undefined;
  const bin = () => {
    if (!built) throw new Error("the CLI was not built");
    return built.bin;
  };
  const verso = (args: string[], input?: string) => runCli(args, { env, bin: bin(), ...(input !== undefined && { input }) });
  const json = (result: CliResult) => JSON.parse(result.stdout);

  before(async () => {
    store = await openStore({ path: join(dir, "verso.db"), maintenanceIntervalMs: 0 });
    server = await startServer({ store, port: 0, log: () => {} });
    env = { VERSO_SERVER: server.url };
    built = await transpiledBin();
  });
  after(async () => {
    await server?.stop();
    built?.remove();
    rmSync(dir, { recursive: true, force: true });
  });

  function ok(result: CliResult): CliResult {
    assert.equal(result.code, 0, `exit ${result.code}\nstdout: ${result.stdout}\nstderr: ${result.stderr}`);
    return result;
  }

  function failed(result: CliResult, code: number, stderr: RegExp): void {
    assert.equal(result.code, code, `expected exit ${code}, got ${result.code}\nstdout: ${result.stdout}\nstderr: ${result.stderr}`);
    assert.match(result.stderr, stderr);
    assert.equal(result.stdout, "", "nothing on stdout when a command fails");
  }

  it("help lists every command; help CMD and CMD --help explain one", async () => {
    const [all, put, putFlag, none, unknown] = await Promise.all([
      verso(["help"]),
      verso(["help", "put"]),
      verso(["put", "--help"]),
      verso([]),
      verso(["help", "frobnicate"]),
    ]);
    ok(all);
    for (const command of [
      "serve",
      "regions",
      "version",
      "next-version",
      "put",
      "get",
      "list",
      "delete",
      "txn",
      "changes",
      "compact",
      "token",
    ]) {
      assert.match(all.stdout, new RegExp(`verso ${command}\\b`), `help mentions verso ${command}`);
    }
    assert.match(ok(put).stdout, /^usage: verso put REGION COLLECTION KEY VALUE \[--if-match V \| --if-absent\]/);
    assert.match(put.stdout, /--idempotency-key K/);
    assert.equal(ok(putFlag).stdout, put.stdout);
    assert.equal(none.code, 2, "verso without a command is a usage error");
    assert.match(none.stderr, /client commands/);
    failed(unknown, 2, /no help for "frobnicate"/);
  });

  it("regions and version before anything is written", async () => {
    const [human, asJson, version, versionJson] = await Promise.all([
      verso(["regions"]),
      verso(["regions", "-o", "json"]),
      verso(["version", R]),
      verso(["version", R, "--output", "json"]),
    ]);
    assert.equal(ok(human).stdout, "no regions yet\n");
    assert.deepEqual(json(ok(asJson)), { regions: [] });
    assert.equal(ok(version).stdout, `${R}: version 0, floor 0, epoch (never written)\n`);
    assert.deepEqual(json(ok(versionJson)), { region: R, epoch: "", version: 0, floor: 0 });
  });

  it("put takes the value inline, from @file and from stdin", async () => {
    assert.equal(
      ok(await verso(["put", R, "deployments", "web", '{"image":"web:1","replicas":3}'])).stdout,
      `${R} deployments/web: version 1\n`,
    );
    const file = join(dir, "api.json");
    writeFileSync(file, '{"image": "api:7"}\n');
    assert.deepEqual(json(ok(await verso(["put", R, "deployments", "api", `@${file}`, "-o", "json"]))), {
      region: R,
      collection: "deployments",
      key: "api",
      version: 2,
    });
    ok(await verso(["put", R, "deployments", "db", "-"], '{"image": "db:2"}'));
    assert.deepEqual(await store.get(R, "deployments", "api"), { key: "api", version: 2, value: { image: "api:7" } });
    assert.deepEqual(await store.get(R, "deployments", "db"), { key: "db", version: 3, value: { image: "db:2" } });
    failed(await verso(["put", R, "deployments", "x", `@${join(dir, "missing.json")}`]), 2, /cannot read .*missing\.json/);
    failed(await verso(["put", R, "deployments", "x", "{replicas: 3}"]), 2, /VALUE is not valid JSON.*quote it for the shell/);
  });

  it("conditional puts: --if-match and --if-absent, 412 is exit 1 with the current row", async () => {
    const stale = await verso(["put", R, "deployments", "web", '{"replicas":4}', "--if-match", "7"]);
    failed(stale, 1, /^verso: version_mismatch \(412\): .*\n {2}current: version 1, value \{"image":"web:1","replicas":3\}\n$/);
    const staleJson = await verso(["put", R, "deployments", "web", '{"replicas":4}', "--if-match", "7", "-o", "json"]);
    assert.equal(staleJson.code, 1);
    assert.deepEqual(JSON.parse(staleJson.stderr).current, { version: 1, value: { image: "web:1", replicas: 3 } });
    assert.equal(JSON.parse(staleJson.stderr).error.code, "version_mismatch");

    assert.match(ok(await verso(["put", R, "deployments", "web", '{"replicas":4}', "--if-match", "1"])).stdout, /version 4$/m);
    // The ETag form, as copied from curl's output, works as well.
    assert.match(ok(await verso(["put", R, "deployments", "web", '{"replicas":5}', "--if-match", '"4"'])).stdout, /version 5$/m);
    failed(await verso(["put", R, "deployments", "web", "{}", "--if-absent"]), 1, /version_mismatch \(412\)/);
    assert.match(ok(await verso(["put", R, "deployments", "cache", '{"size":1}', "--if-absent"])).stdout, /cache: version 6$/m);
    failed(await verso(["put", R, "deployments", "web", "{}", "--if-match", "0"]), 2, /use --if-absent/);
    failed(await verso(["put", R, "deployments", "web", "{}", "--if-match", "2", "--if-absent"]), 2, /not both/);
    assert.equal((await store.getVersion(R)).version, 6, "refused writes took no version");
  });

  it("get, with --min-version", async () => {
    assert.equal(ok(await verso(["get", R, "deployments", "web"])).stdout, 'web @ version 5\n{\n  "replicas": 5\n}\n');
    assert.deepEqual(json(ok(await verso(["get", R, "deployments", "web", "-o", "json"]))), {
      key: "web",
      version: 5,
      value: { replicas: 5 },
    });
    failed(await verso(["get", R, "deployments", "nope"]), 1, /^verso: not_found \(404\): /);
    ok(await verso(["get", R, "deployments", "web", "--min-version", "6"]));
    failed(
      await verso(["get", R, "deployments", "web", "--min-version", "99", "--timeout-ms", "50"]),
      1,
      /consistency_timeout \(504\).*\n {2}minVersion: 99\n {2}version: 6/,
    );
    failed(await verso(["get", R, "deployments", "web", "--timeout-ms", "50"]), 2, /--timeout-ms only applies with --min-version/);
  });

  it("list pages through a collection in key order", async () => {
    const all = ok(await verso(["list", R, "deployments"]))
      .stdout.trim()
      .split("\n");
    assert.deepEqual(
      all.map((line) => line.split(/\s+/).slice(0, 2)),
      [
        ["KEY", "VERSION"],
        ["api", "2"],
        ["cache", "6"],
        ["db", "3"],
        ["web", "5"],
      ],
    );
    const first = ok(await verso(["list", R, "deployments", "--limit", "2"])).stdout;
    assert.match(first, /more: --after cache\n$/);
    const second = json(ok(await verso(["list", R, "deployments", "--limit", "2", "--after", "cache", "-o", "json"])));
    assert.deepEqual(
      second.rows.map((r: { key: string }) => r.key),
      ["db", "web"],
    );
    assert.equal(second.next, null);
    assert.equal(ok(await verso(["list", R, "nothing-here"])).stdout, `no rows in ${R} nothing-here\n`);
  });

  it("delete, conditional delete, and deleting twice", async () => {
    failed(await verso(["delete", R, "deployments", "cache", "--if-match", "1"]), 1, /version_mismatch \(412\)/);
    assert.equal(
      ok(await verso(["delete", R, "deployments", "cache", "--if-match", "6"])).stdout,
      `${R} deployments/cache: deleted at version 7\n`,
    );
    failed(await verso(["delete", R, "deployments", "cache"]), 1, /^verso: not_found \(404\)/);
    failed(await verso(["delete", R, "deployments", "web", "--if-absent"]), 2, /--if-absent does not apply to delete/);
  });

  it("txn from an argument, stdin or a file; a failed condition lists the failing ops", async () => {
    const ops = [
      { op: "put", collection: "gateways", key: "gw1", value: { port: 443 } },
      { op: "put", collection: "gateways", key: "gw2", value: { port: 80 }, ifVersion: 0 },
    ];
    assert.equal(ok(await verso(["txn", R, JSON.stringify(ops)])).stdout, `${R}: committed 2 op(s) at version 8\n`);
    const failing = [
      { op: "delete", collection: "gateways", key: "gw2" },
      { op: "put", collection: "gateways", key: "gw1", value: {}, ifVersion: 3 },
    ];
    const result = await verso(["txn", R, "-"], JSON.stringify({ ops: failing }));
    failed(result, 1, /version_mismatch \(412\).*\n {2}op 1 \(gateways\/gw1\): current version 8, value \{"port":443\}\n$/);
    const file = join(dir, "ops.json");
    writeFileSync(file, JSON.stringify({ ops: [{ op: "delete", collection: "gateways", key: "gw2", ifVersion: 8 }] }));
    assert.deepEqual(json(ok(await verso(["txn", R, `@${file}`, "-o", "json"]))), { version: 9 });
    failed(await verso(["txn", R, '{"op":"put"}']), 2, /OPS must be a JSON array of ops/);
    failed(await verso(["txn", R, "[]"]), 1, /bad_request \(400\): a transaction needs at least one op/);
  });

  it("next-version, and retries with the same --idempotency-key replay the first answer", async () => {
    assert.equal(ok(await verso(["next-version", R, "--idempotency-key", "nv-1"])).stdout, `${R}: version 10\n`);
    assert.equal(ok(await verso(["next-version", R, "--idempotency-key", "nv-1"])).stdout, `${R}: version 10\n`);
    const put = ["put", R, "deployments", "web", '{"replicas":6}', "--idempotency-key", "put-1", "-o", "json"];
    const first = json(ok(await verso(put)));
    assert.deepEqual(json(ok(await verso(put))), first);
    assert.equal(first.version, 11);
    failed(
      await verso(["put", R, "deployments", "web", '{"replicas":7}', "--idempotency-key", "put-1"]),
      1,
      /idempotency_key_reused \(422\)/,
    );
    assert.equal((await store.getVersion(R)).version, 11);
  });

  it("changes: a reset without --since, increments with it, every page until the head", async () => {
    const reset = ok(await verso(["changes", R]))
      .stdout.trim()
      .split("\n");
    assert.equal(reset[0], "clear");
    assert.match(reset.at(-1) ?? "", /^-- reset, cursor 11, head 11 \(epoch [\w-]+\)$/);
    assert.deepEqual(
      reset.slice(1, -1).map((line) => line.split(/\s+/).slice(0, 3).join(" ")),
      ["v2 put deployments/api", "v3 put deployments/db", "v8 put gateways/gw1", "v11 put deployments/web"],
    );
    const since = ok(await verso(["changes", R, "--since", "7"])).stdout;
    assert.equal(since.split("\n")[0], 'v8  put  gateways/gw1  {"port":443}');
    assert.match(since, /v9 {2}del {2}gateways\/gw2/);
    const paged = ok(await verso(["changes", R, "--since", "6", "--limit", "1", "-o", "json"]))
      .stdout.trim()
      .split("\n")
      .map((line) => JSON.parse(line));
    assert.deepEqual(
      paged.map((p) => [p.cursor, p.more]),
      [
        [7, true],
        [8, true],
        [9, true],
        [11, false],
      ],
    );
    failed(await verso(["changes", R, "--epoch", "e"]), 2, /--epoch only applies with --since/);
  });

  it("changes --follow prints a change as soon as it is written", async () => {
    const head = (await store.getVersion(R)).version;
    const follow = startVerso(["changes", R, "--since", String(head), "--follow"], { env, bin: bin() });
    try {
      await follow.stdout.waitFor(new RegExp(`-- cursor ${head}, head ${head}`));
      await store.put(R, "deployments", "followed", { replicas: 9 });
      await follow.stdout.waitFor(new RegExp(`v${head + 1} {2}put {2}deployments/followed {2}\\{"replicas":9\\}`));
    } finally {
      await stopChild(follow);
    }
  });

  it("compact raises the floor; an older cursor then gets a reset", async () => {
    failed(await verso(["compact", R]), 2, /exactly one of --retain-versions N or --before-version V/);
    failed(await verso(["compact", R, "--retain-versions", "1", "--before-version", "3"]), 2, /exactly one of/);
    const head = (await store.getVersion(R)).version;
    assert.equal(ok(await verso(["compact", R, "--retain-versions", "0"])).stdout, `${R}: floor ${head}, purged 2 tombstone(s)\n`);
    const page = ok(await verso(["changes", R, "--since", "5"])).stdout;
    assert.match(page, /^clear\n/);
    assert.match(page, /-- reset, cursor/);
    assert.deepEqual(json(ok(await verso(["compact", R, "--before-version", "3", "-o", "json"]))), { floor: head, purged: 0 });
  });

  it("usage mistakes exit 2 with the command's usage", async () => {
    const results = await Promise.all([
      verso(["put", R, "deployments"]),
      verso(["get", R, "deployments", "web", "--since", "3"]),
      verso(["get", R, "deployments", "web", "--bogus"]),
      verso(["frobnicate"]),
      verso(["regions", "-o", "yaml"]),
      verso(["regions", "--server", "not a url"]),
      verso(["list", R, "deployments", "--limit", "ten"]),
    ]);
    const expected = [
      /^verso: put: expected REGION COLLECTION KEY VALUE, got 2 argument\(s\)\nusage: verso put REGION COLLECTION KEY VALUE .*\nrun "verso help put" for details\n$/,
      /--since does not apply to get\nusage: verso get /,
      /get: unknown option --bogus\nusage: verso get /,
      /^verso: unknown command "frobnicate"\nrun "verso help" for usage\n$/,
      /-o must be human or json/,
      /--server must be an http\(s\) URL/,
      /--limit must be an integer >= 1, got "ten"/,
    ];
    for (const [i, result] of results.entries()) failed(result, 2, expected[i] ?? /./);
  });

  it("names an unreachable server and how to point elsewhere", async () => {
    const port = await freePort();
    const result = await within(verso(["version", R, "--server", `http://127.0.0.1:${port}`]), 20_000, "the unreachable call");
    failed(
      result,
      1,
      new RegExp(`cannot reach the server at http://127\\.0\\.0\\.1:${port} \\(.*ECONNREFUSED.*\\)\\n.*--server URL or VERSO_SERVER`),
    );
  });
});
