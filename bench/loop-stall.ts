/**
 * How long one large batch keeps the event loop from turning, per backend: the longest
 * gap between runs of a 1 ms timer while a batch of puts is written (the storage layer
 * alone, no HTTP). A request that arrives meanwhile waits at least that long.
 *
 *   node --import tsx bench/loop-stall.ts [--puts 20000] [--runs 2] [--only sqlite,writer-thread,postgres]
 *
 * PostgreSQL is the local server (VERSO_TEST_DATABASE_URL, default
 * postgres://postgres@127.0.0.1:5432/test), in a schema of its own, dropped afterwards.
 */
import { randomBytes } from "node:crypto";
import { parseArgs } from "node:util";
import type { WriteCommand } from "../src/model/write-command.js";
import { PostgresStorage } from "../src/storage/postgres/postgres-storage.js";
import { SqliteStorage } from "../src/storage/sqlite/sqlite-storage.js";
import type { Storage } from "../src/storage/storage.js";
import { tempDir } from "./temp.js";

const { values } = parseArgs({
  options: {
    puts: { type: "string", default: "20000" },
    runs: { type: "string", default: "2" },
    only: { type: "string", default: "sqlite,writer-thread,postgres" },
  },
});
const PG_URL = process.env.VERSO_TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";

const put = (key: string, valueJson: string): WriteCommand => ({
  kind: "txn",
  form: "put",
  region: "r",
  ops: [{ op: "put", collection: "c", key, valueJson }],
});
const batch = Array.from({ length: Number(values.puts) }, (_, i) => put(`k-${i}`, JSON.stringify("x".repeat(500))));

/** The longest stall while `batch` is written, and how long the write took (ms). */
async function measure(storage: Storage): Promise<{ stall: number; ms: number }> {
  await storage.write([put("warm-up", "0")]);
  let last = performance.now();
  let stall = 0;
  const ticker = setInterval(() => {
    const now = performance.now();
    stall = Math.max(stall, now - last);
    last = now;
  }, 1);
  const started = performance.now();
  try {
    await storage.write(batch);
  } finally {
    clearInterval(ticker);
  }
  return { stall: Math.max(stall, performance.now() - last), ms: performance.now() - started };
}

const temp = tempDir();
try {
  for (let run = 1; run <= Number(values.runs); run++) {
    for (const backend of values.only.split(",")) {
      let storage: Storage;
      let cleanup = async () => {};
      if (backend === "postgres") {
        const schema = `verso_stall_${randomBytes(6).toString("hex")}`;
        const pg = await PostgresStorage.open({ connectionString: PG_URL, schema });
        storage = pg;
        cleanup = async () => {
          const { default: client } = await import("pg");
          const admin = new client.Client({ connectionString: PG_URL });
          await admin.connect();
          await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
          await admin.end();
        };
      } else if (backend === "sqlite" || backend === "writer-thread") {
        const sqlite = new SqliteStorage({ path: temp.file(`${backend}-${run}.db`), writerThread: backend === "writer-thread" });
        await sqlite.started();
        storage = sqlite;
      } else throw new Error(`unknown backend ${backend}: sqlite, writer-thread or postgres`);
      try {
        const { stall, ms } = await measure(storage);
        process.stdout.write(
          `run ${run}  ${backend.padEnd(13)} ${batch.length} puts in ${Math.round(ms)} ms, longest event-loop stall ${stall.toFixed(1)} ms\n`,
        );
      } finally {
        await storage.close();
        await cleanup();
      }
    }
  }
} finally {
  temp.remove();
}
