/**
 * Failures of the storage itself, over HTTP: a full database answers 507
 * insufficient_storage and heals by itself once space is freed; damage found while
 * serving shows in /healthz. Both are reported by /healthz while they last.
 */
import assert from "node:assert/strict";
import { closeSync, mkdtempSync, openSync, rmSync, statSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import type Database from "better-sqlite3";
import type { FastifyInstance } from "fastify";
import { VersoClient } from "../../src/client/http-client.js";
import { VersoStore } from "../../src/core/store.js";
import { buildApp } from "../../src/server/app.js";
import { SqliteStorage } from "../../src/storage/sqlite/sqlite-storage.js";

const dir = mkdtempSync(join(tmpdir(), "verso-storage-health-"));
after(() => rmSync(dir, { recursive: true, force: true }));

interface Served {
  app: FastifyInstance;
  store: VersoStore;
  storage: SqliteStorage;
  logs: string[];
  close: () => Promise<void>;
}

async function serve(path: string, skipIntegrityCheck = false): Promise<Served> {
  const storage = new SqliteStorage({ path, skipIntegrityCheck });
  const store = new VersoStore(storage, { maintenanceIntervalMs: 0 });
  const logs: string[] = [];
  const app = buildApp({ store, log: (line) => logs.push(line) });
  await app.ready();
  return {
    app,
    store,
    storage,
    logs,
    close: async () => {
      await app.close();
      await store.close();
    },
  };
}

/** The storage's own connection: PRAGMA max_page_count holds per connection. */
function connectionOf(storage: SqliteStorage): Database.Database {
  return (storage as unknown as { db: Database.Database }).db;
}

async function request(app: FastifyInstance, method: "GET" | "PUT", url: string, body?: unknown) {
  const response = await app.inject({ method, url, ...(body !== undefined && { payload: JSON.stringify(body) }) });
  return { status: response.statusCode, body: JSON.parse(response.body) as Record<string, unknown> & { error?: { code: string } } };
}

const row = (key: string) => `/v1/regions/r/collections/c/rows/${key}`;

describe("storage failures over HTTP", () => {
  it("a full database answers 507 insufficient_storage, shows in /healthz, and heals once space is freed", async () => {
    const s = await serve(join(dir, "full.db"));
    try {
      assert.equal((await request(s.app, "PUT", row("first"), "v")).status, 200);
      const db = connectionOf(s.storage);
      const pages = db.pragma("page_count", { simple: true }) as number;
      db.pragma(`max_page_count = ${pages + 4}`);
      let full: Awaited<ReturnType<typeof request>> | undefined;
      for (let i = 0; i < 50 && !full; i++) {
        const answer = await request(s.app, "PUT", row(`big-${i}`), "x".repeat(20_000));
        if (answer.status !== 200) full = answer;
      }
      assert.ok(full, "the writes filled the database");
      assert.equal(full.status, 507, `${JSON.stringify(full.body)}\n${s.logs.join("\n")}`);
      assert.equal(full.body.error?.code, "insufficient_storage");
      const health = await request(s.app, "GET", "/healthz");
      assert.equal(health.status, 507);
      assert.equal(health.body.error?.code, "insufficient_storage");
      assert.equal(health.body.ok, false);
      assert.equal((await request(s.app, "GET", row("first"))).status, 200, "reads go on");

      db.pragma("max_page_count = 1073741823");
      assert.equal((await request(s.app, "PUT", row("after"), "v")).status, 200, "writes work again without a restart");
      const healed = await request(s.app, "GET", "/healthz");
      assert.equal(healed.status, 200);
      assert.equal(healed.body.ok, true);
    } finally {
      await s.close();
    }
  });

  it("damage met by a request shows in /healthz as 503 until restart", async () => {
    const path = join(dir, "damaged.db");
    const storage = new SqliteStorage({ path });
    for (let batch = 0; batch < 10; batch++) {
      await storage.write(
        Array.from({ length: 50 }, (_, i) => ({
          kind: "txn" as const,
          form: "put" as const,
          region: "r",
          ops: [{ op: "put" as const, collection: "c", key: `k-${batch}-${i}`, valueJson: JSON.stringify("x".repeat(200)) }],
        })),
      );
    }
    await storage.close();
    const pageSize = 4096;
    const size = statSync(path).size;
    const fd = openSync(path, "r+");
    const noise = Buffer.alloc(size - pageSize, 0x5a);
    writeSync(fd, noise, 0, noise.length, pageSize);
    closeSync(fd);

    const s = await serve(path, true);
    try {
      assert.equal((await request(s.app, "GET", "/healthz")).status, 200, "nothing seen yet");
      const read = await request(s.app, "GET", row("k-3-7"));
      assert.equal(read.status, 500);
      const health = await request(s.app, "GET", "/healthz");
      assert.equal(health.status, 503);
      assert.equal(health.body.ok, false);
      assert.equal(health.body.error?.code, "internal");
      assert.match(String((health.body.error as { message?: string }).message), /storage failed: .*SQLITE_CORRUPT/);
    } finally {
      await s.close();
    }
  });

  it("the client retries 507 like 503", async () => {
    const answers = [507, 507, 200];
    const seen: number[] = [];
    const client = new VersoClient({
      server: "http://verso.test",
      backoffMs: 1,
      fetch: async () => {
        const status = answers[seen.length] ?? 500;
        seen.push(status);
        const body = status === 200 ? { region: "r", version: 1 } : { error: { code: "insufficient_storage", message: "full" } };
        return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
      },
    });
    assert.deepEqual(await client.nextVersion("r"), { region: "r", version: 1 });
    assert.deepEqual(seen, [507, 507, 200]);
  });
});
