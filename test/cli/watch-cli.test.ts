/**
 * `verso watch REGION`: changes appear as they are written; a server killed and started
 * again on the same file and port is reconnected to, and the changes after the restart
 * follow without a gap and without one printed twice.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { freePort, startServerProcess } from "../agent/server-process.js";
import { startVerso, stopChild } from "../support/child-process.js";
import { call } from "../support/http.js";

interface PrintedPage {
  ops: Array<{ op: string; key?: string; version?: number }>;
  cursor: number;
}

describe("verso watch", () => {
  it("prints each change once, across a restart of the server", async () => {
    const dir = mkdtempSync(join(tmpdir(), "verso-watch-cli-"));
    const db = join(dir, "verso.db");
    const port = await freePort();
    let server = await startServerProcess(db, port);
    const put = async (key: string) => {
      const reply = await call(server.url, "PUT", `/v1/regions/r1/collections/c/rows/${key}`, { body: { key } });
      assert.equal(reply.status, 200);
    };
    await put("before");
    const watch = startVerso(["--server", server.url, "-o", "json", "watch", "r1", "--since", "1"]);
    try {
      // Written whether or not the stream is open yet: --since 1 asks for everything after "before".
      await put("a");
      await watch.stdout.waitFor(/"key":"a"/);
      await server.kill("SIGKILL");
      await watch.stderr.waitFor(/verso watch: disconnected/, 30_000);
      server = await startServerProcess(db, port);
      await put("b");
      await put("c");
      await watch.stdout.waitFor(/"key":"c"/, 30_000);
      const pages = watch.stdout
        .text()
        .split("\n")
        .filter((line) => line !== "")
        .map((line) => JSON.parse(line) as PrintedPage);
      const versions = pages.flatMap((page) => page.ops.map((op) => op.version));
      assert.deepEqual(versions, [2, 3, 4], "a, b and c, each once, in order; nothing before --since");
      assert.deepEqual(
        pages.flatMap((page) => page.ops.map((op) => op.key)),
        ["a", "b", "c"],
      );
    } finally {
      await stopChild(watch);
      await server.kill();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("a human line per change, as changes --follow prints them", async () => {
    const dir = mkdtempSync(join(tmpdir(), "verso-watch-cli-"));
    const server = await startServerProcess(join(dir, "verso.db"), await freePort());
    const watch = startVerso(["watch", "r1", "--server", server.url]);
    try {
      await watch.stdout.waitFor(/-- reset, cursor 0/);
      await call(server.url, "PUT", "/v1/regions/r1/collections/c/rows/k", { body: 7 });
      await watch.stdout.waitFor(/v1 {2}put {2}c\/k {2}7/);
    } finally {
      await stopChild(watch);
      await server.kill();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
