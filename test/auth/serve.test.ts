import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { serveCommand } from "../../src/cli/serve-command.js";
import { UsageError } from "../../src/cli/usage-error.js";
import { VersoClient } from "../../src/client/http-client.js";
import type { VersoStore } from "../../src/core/store.js";
import { internalsOf } from "../../src/core/store-internals.js";
import { openStore } from "../../src/open-store.js";
import { UnauthorizedError } from "../../src/protocol/errors.js";
import { UnauthenticatedBindError } from "../../src/server/bind-policy.js";
import { type RunningServer, startServer } from "../../src/server/serve.js";
import { until } from "../support/until.js";
import { ADMIN_TOKEN } from "./helpers.js";

describe("serving without an admin token", () => {
  let dir: string;
  let saved: string | undefined;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "verso-serve-auth-"));
    saved = process.env.VERSO_ADMIN_TOKEN;
    delete process.env.VERSO_ADMIN_TOKEN;
  });
  after(() => {
    if (saved !== undefined) process.env.VERSO_ADMIN_TOKEN = saved;
    rmSync(dir, { recursive: true, force: true });
  });

  it("startServer refuses 0.0.0.0 before binding", async () => {
    const store = await openStore({ path: ":memory:", maintenanceIntervalMs: 0 });
    try {
      await assert.rejects(startServer({ store, host: "0.0.0.0", port: 0, log: () => {} }), UnauthenticatedBindError);
    } finally {
      await store.close();
    }
  });

  it("verso serve refuses 0.0.0.0 with a clear error, before opening the database", async () => {
    const db = join(dir, "never.db");
    await assert.rejects(serveCommand(["--host", "0.0.0.0", "--port", "0", "--db", db]), (error: unknown) => {
      assert.ok(error instanceof UsageError);
      assert.match(error.message, /without an admin token.*VERSO_ADMIN_TOKEN/);
      return true;
    });
    assert.equal(existsSync(db), false);
  });

  it("verso serve refuses a --token-cache that is not a duration, before opening the database", async () => {
    const db = join(dir, "never-cache.db");
    await assert.rejects(serveCommand(["--token-cache", "soon", "--port", "0", "--db", db]), /not a duration: "soon"/);
    assert.equal(existsSync(db), false);
  });

  it("verso serve refuses a short admin token", async () => {
    await assert.rejects(serveCommand(["--admin-token", "short", "--port", "0", "--db", join(dir, "x.db")]), /at least 16 characters/);
  });
});

describe("a running server with auth", () => {
  let store: VersoStore;
  let server: RunningServer;
  let admin: VersoClient;
  before(async () => {
    store = await openStore({ path: ":memory:", maintenanceIntervalMs: 0 });
    server = await startServer({ store, host: "127.0.0.1", port: 0, adminToken: ADMIN_TOKEN, log: () => {} });
    admin = new VersoClient({ server: server.url, token: ADMIN_TOKEN });
  });
  after(async () => {
    await server.stop();
    await store.close();
  });

  it("manages tokens through VersoClient", async () => {
    const created = await admin.createToken({ regions: ["r1"], role: "write", name: "deployer" });
    const listed = await admin.tokens();
    const { token, ...info } = created;
    assert.deepEqual(
      listed.find((t) => t.id === created.id),
      info,
    );
    const scoped = new VersoClient({ server: server.url, token });
    assert.equal((await scoped.put("r1", "c", "k", 1)).version, 1);
    assert.equal((await admin.revokeToken(created.id)).id, created.id);
    await assert.rejects(scoped.get("r1", "c", "k"), UnauthorizedError);
    await assert.rejects(new VersoClient({ server: server.url }).regions(), UnauthorizedError);
  });

  it("ends a revoked token's open long-poll at once; the reader's retry gets 401", { timeout: 15_000 }, async () => {
    const created = await admin.createToken({ regions: ["r2"], role: "read" });
    const reader = new VersoClient({ server: server.url, token: created.token, backoffMs: 1 });
    const waiting = internalsOf(store).notifier.waiting;
    const poll = reader.changes("r2", { since: 0, waitMs: 60_000 });
    const outcome = poll.then(
      () => "answered",
      (error: unknown) => error,
    );
    await until(() => internalsOf(store).notifier.waiting > waiting, "the long-poll to wait");
    const started = Date.now();
    await admin.revokeToken(created.id);
    const error = await outcome;
    assert.ok(error instanceof UnauthorizedError, `got ${String(error)}`);
    assert.ok(Date.now() - started < 5_000, "ended by the revocation, not by waitMs");
  });
});
