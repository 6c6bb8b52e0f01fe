/**
 * Graceful shutdown of a real server process: SIGTERM answers waiting long-polls at
 * once, lets writes already taken in finish with 2xx, exits 0, and what it
 * acknowledged is on disk for the next start.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import http from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { type ChildServer, startChildServer, stopChild, within } from "../support/child-process.js";
import { holdRequest } from "../support/held-request.js";
import { call } from "../support/http.js";

const REGION = "us-east-1";
const row = (key: string) => `/v1/regions/${REGION}/collections/deployments/rows/${key}`;

/** Commits on the event loop, and on the writer thread (which the shutdown must drain before it exits). */
const VARIANTS = [[], ["--writer-thread"]];

for (const flags of VARIANTS)
  describe(`SIGTERM${flags.length > 0 ? ` (${flags.join(" ")})` : ""}`, () => {
    const dir = mkdtempSync(join(tmpdir(), "verso-sigterm-"));
    const db = join(dir, "verso.db");
    // Keep-alive connections are the case that can hold a stopping server open.
    const agent = new http.Agent({ keepAlive: true });
    let server: ChildServer | undefined;
    after(async () => {
      agent.destroy();
      await stopChild(server);
      rmSync(dir, { recursive: true, force: true });
    });

    it("answers long-polls at once, finishes in-flight writes, exits 0 and keeps them", { timeout: 40_000 }, async () => {
      server = await startChildServer(["--db", db, ...flags]);
      // The variant is the one asked for: the start line names the writer thread only when it commits there.
      assert.equal(/synchronous=\w+, writer thread/.test(server.log()), flags.includes("--writer-thread"), server.log());
      const { url } = server;
      const before = await call(url, "PUT", row("before"), { body: { replicas: 1 }, headers: { "idempotency-key": "before" } });
      assert.equal(before.status, 200);

      const poll = holdRequest(url, "GET", `/v1/regions/${REGION}/changes?since=${before.body.version}&waitMs=30000`, agent);
      // A GET has no body to hold back: sent whole, it waits on the server side.
      poll.finish().catch(() => {});
      await poll.dispatched;
      const writes = [
        { method: "PUT", path: row("in-flight"), key: "put-1", body: { replicas: 3 } as unknown },
        {
          method: "POST",
          path: `/v1/regions/${REGION}/transactions`,
          key: "txn-1",
          body: {
            ops: [
              { op: "put", collection: "deployments", key: "txn-a", value: { a: 1 } },
              { op: "put", collection: "deployments", key: "txn-b", value: { b: 2 } },
              { op: "delete", collection: "deployments", key: "before", ifVersion: before.body.version },
            ],
          },
        },
        { method: "POST", path: `/v1/regions/${REGION}/next-version`, key: "next-1", body: undefined },
      ].map((w) => ({ ...w, request: holdRequest(url, w.method, w.path, agent, { "idempotency-key": w.key }) }));
      for (const w of writes) w.request.reply.catch(() => {});
      await Promise.all(writes.map((w) => w.request.dispatched));

      server.child.kill("SIGTERM");
      await server.stderr.waitFor(/SIGTERM: finishing in-flight requests/);

      // The long-poll is answered while the writes are still waiting for their bodies.
      const polled = await within(poll.reply, 5_000, "the long-poll's answer after SIGTERM");
      assert.equal(polled.status, 200);
      assert.deepEqual(polled.body.ops, []);

      const replies = await Promise.all(writes.map((w) => w.request.finish(w.body)));
      for (const reply of replies) assert.equal(reply.status, 200, JSON.stringify(reply.body));
      const versions = replies.map((r) => r.body.version as number);
      assert.deepEqual(
        [...versions].sort((a, b) => a - b),
        [2, 3, 4],
        "each in-flight write took its own version",
      );

      const exit = await within(server.exited, 10_000, "the exit after SIGTERM");
      assert.deepEqual(exit, { code: 0, signal: null }, server.log());

      server = await startChildServer(["--db", db, ...flags]);
      const region = await call(server.url, "GET", `/v1/regions/${REGION}`);
      assert.equal(region.body.version, 4);
      const [put, txn] = versions;
      assert.deepEqual((await call(server.url, "GET", row("in-flight"))).body, { key: "in-flight", version: put, value: { replicas: 3 } });
      assert.deepEqual((await call(server.url, "GET", row("txn-a"))).body, { key: "txn-a", version: txn, value: { a: 1 } });
      assert.deepEqual((await call(server.url, "GET", row("txn-b"))).body, { key: "txn-b", version: txn, value: { b: 2 } });
      assert.equal((await call(server.url, "GET", row("before"))).status, 404);
      // The keys replay the answers given during the shutdown.
      for (const [i, w] of writes.entries()) {
        const again = await call(server.url, w.method, w.path, {
          headers: { "idempotency-key": w.key },
          ...(w.body !== undefined && { body: w.body }),
        });
        assert.equal(again.headers.get("idempotency-replayed"), "true");
        assert.deepEqual(again.body, replies[i]?.body);
      }

      server.child.kill("SIGTERM");
      assert.deepEqual(await within(server.exited, 10_000, "the exit after SIGTERM"), { code: 0, signal: null });
    });
  });
