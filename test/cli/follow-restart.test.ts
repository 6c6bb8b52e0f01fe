/**
 * `verso changes --follow` outlives a server restart: it reconnects, with the agent's
 * backoff, and resumes from its cursor. A real server process is stopped and started
 * again on the same database file and port.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { type ChildServer, type Running, startChildServer, startVerso, stopChild } from "../support/child-process.js";
import { freePort } from "../support/free-port.js";
import { call } from "../support/http.js";

const R = "follow-r";

describe("changes --follow across a server restart", () => {
  const dir = mkdtempSync(join(tmpdir(), "verso-follow-"));
  const db = join(dir, "verso.db");
  let server: ChildServer | undefined;
  let follow: Running | undefined;
  after(async () => {
    await stopChild(follow);
    await stopChild(server);
    rmSync(dir, { recursive: true, force: true });
  });

  it("reconnects and prints the changes written after the restart, none twice", { timeout: 90_000 }, async () => {
    const port = await freePort();
    server = await startChildServer(["--db", db, "--port", String(port)]);
    const put = async (key: string, value: unknown) => {
      const res = await call(server?.url ?? "", "PUT", `/v1/regions/${R}/collections/c/rows/${key}`, { body: value });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      return res.body.version as number;
    };
    await put("before", 1);
    follow = startVerso(["changes", R, "--since", "0", "--follow", "--server", server.url]);
    await follow.stdout.waitFor(/v1 {2}put {2}c\/before {2}1/);

    server.child.kill("SIGTERM");
    assert.deepEqual(await server.exited, { code: 0, signal: null });
    await follow.stderr.waitFor(/reconnecting in \d+ ms/, 20_000);
    assert.equal(follow.child.exitCode, null, `follow exited:\n${follow.stderr.text()}`);

    server = await startChildServer(["--db", db, "--port", String(port)]);
    const version = await put("after", 2);
    await follow.stdout.waitFor(new RegExp(`v${version} {2}put {2}c/after {2}2`), 30_000);
    assert.equal(follow.stdout.text().match(/c\/before/g)?.length, 1, "the change before the restart was printed again");
  });
});
