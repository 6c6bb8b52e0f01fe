import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { after, before, describe, it } from "node:test";
import { promisify } from "node:util";
import type { VersoStore } from "../../src/core/store.js";
import { openStore } from "../../src/open-store.js";
import { type RunningServer, startServer } from "../../src/server/serve.js";
import { ADMIN_TOKEN } from "./helpers.js";

const run = promisify(execFile);
const ENTRY = 'import("./src/cli/main.ts").then(async (m) => { process.exitCode = await m.main(process.argv.slice(1)); })';

async function verso(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ["--import", "tsx", "-e", ENTRY, ...args], {
      cwd: new URL("../..", import.meta.url).pathname,
      env: { ...process.env, VERSO_TOKEN: "", VERSO_SERVER: "", ...env },
      timeout: 20_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, stdout: e.stdout ?? "", stderr: e.stderr ?? "" };
  }
}

describe("verso token", () => {
  let store: VersoStore;
  let server: RunningServer;
  before(async () => {
    store = await openStore({ path: ":memory:", maintenanceIntervalMs: 0 });
    server = await startServer({ store, host: "127.0.0.1", port: 0, adminToken: ADMIN_TOKEN, log: () => {} });
  });
  after(async () => {
    await server.stop();
    await store.close();
  });

  it("creates, lists and revokes tokens with the admin token", { timeout: 60_000 }, async () => {
    const env = { VERSO_TOKEN: ADMIN_TOKEN, VERSO_SERVER: server.url };
    const created = await verso(
      ["token", "create", "--region", "us-east-1", "--region", "eu-west-1", "--read", "--name", "edge", "-o", "json"],
      env,
    );
    assert.equal(created.code, 0, created.stderr);
    const token = JSON.parse(created.stdout);
    assert.equal(token.role, "read");
    assert.deepEqual(token.regions, ["us-east-1", "eu-west-1"]);
    assert.match(token.token, /^verso_/);

    const listed = await verso(["token", "list"], env);
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, new RegExp(`${token.id}\\s+edge\\s+read\\s+us-east-1,eu-west-1`));
    assert.ok(!listed.stdout.includes(token.token));

    const revoked = await verso(["token", "revoke", token.id, "--server", server.url, "--token", ADMIN_TOKEN]);
    assert.equal(revoked.code, 0, revoked.stderr);
    assert.match(revoked.stdout, new RegExp(`revoked token ${token.id} "edge": read on us-east-1, eu-west-1 at `));

    const refused = await verso(["token", "list"], { VERSO_SERVER: server.url, VERSO_TOKEN: token.token });
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /unauthorized/);
  });

  it("refuses a create without exactly one role", { timeout: 30_000 }, async () => {
    const answer = await verso(["token", "create", "--region", "r1", "--read", "--write", "--server", server.url]);
    assert.equal(answer.code, 2);
    assert.match(answer.stderr, /exactly one of --read or --write/);
  });
});
