/**
 * Suite "electric": a snapshot of one collection read whole over HTTP, in rows per
 * second. verso pages through GET /v1/regions/R/shape as @electric-sql/client does
 * (offset -1, then handle and offset until up-to-date, each value parsed); the baseline
 * reads the same rows through verso's own feed, a reset page of GET …/changes followed
 * to its end. Same server (a child process), same data, same page size.
 */
import { performance } from "node:perf_hooks";
import { newEpoch } from "../src/storage/shared.js";
import { startChild } from "./child-server.js";
import type { Figure } from "./figures.js";
import { versus } from "./measure.js";
import { RawSqlite } from "./raw-sqlite.js";
import type { Settings } from "./settings.js";
import { tempDir } from "./temp.js";
import { VALUE } from "./workload.js";

const REGION = "shape-1";
const COLLECTION = "items";

/** `count` rows of one collection, one version each, as that many puts would leave them. */
function populate(raw: RawSqlite, count: number): void {
  const insert = raw.db.prepare<[number, string, string, number, string, number, number]>(
    `INSERT INTO rows (region_id, collection, key, version, deleted, value, updated_at, created_version)
     VALUES (?, ?, ?, ?, 0, ?, ?, ?)`,
  );
  raw.db.transaction(() => {
    const now = Date.now();
    raw.db
      .prepare("INSERT INTO regions (name, epoch, version, floor, created_at) VALUES (?, ?, ?, 0, ?)")
      .run(REGION, newEpoch(), count, now);
    const id = raw.regionId(REGION);
    for (let v = 1; v <= count; v++) {
      insert.run(id, COLLECTION, `item-${v}`, v, JSON.stringify({ ...VALUE, replicas: v % 7, revision: v }), now, v);
    }
  })();
}

/** The shape read as the client reads it; returns rows received. */
async function readShape(url: string, stopAfter = Infinity): Promise<number> {
  const base = `${url}/v1/regions/${REGION}/shape?table=${COLLECTION}`;
  let query = "offset=-1";
  let rows = 0;
  for (;;) {
    const response = await fetch(`${base}&${query}`);
    if (!response.ok) throw new Error(`shape answered ${response.status}`);
    const messages = (await response.json()) as Array<{ headers: { operation?: string }; value?: { value: string } }>;
    for (const message of messages) {
      if (message.headers.operation === undefined) continue;
      if (message.value) JSON.parse(message.value.value);
      rows++;
    }
    if (response.headers.has("electric-up-to-date") || rows >= stopAfter) return rows;
    const handle = response.headers.get("electric-handle") ?? "";
    query = `handle=${encodeURIComponent(handle)}&offset=${response.headers.get("electric-offset")}`;
  }
}

/** The same rows through verso's feed: a reset page, then its follow-ups. */
async function readChanges(url: string, stopAfter = Infinity): Promise<number> {
  let query = "";
  let rows = 0;
  for (;;) {
    const response = await fetch(`${url}/v1/regions/${REGION}/changes?limit=1000${query}`);
    if (!response.ok) throw new Error(`changes answered ${response.status}`);
    const page = (await response.json()) as { ops: Array<{ op: string }>; cursor: number; head: number; more: boolean };
    rows += page.ops.filter((op) => op.op !== "clear").length;
    if (!page.more || rows >= stopAfter) return rows;
    query = `&since=${page.cursor}`;
  }
}

async function rowsPerSecond(read: () => Promise<number>, expected: number): Promise<number> {
  const start = performance.now();
  const rows = await read();
  const ms = performance.now() - start;
  if (rows !== expected) throw new Error(`read ${rows} rows, expected ${expected}`);
  return (rows / ms) * 1000;
}

export async function electricSuite(settings: Settings): Promise<Figure[]> {
  const rows = settings.quick ? 20_000 : 100_000;
  const temp = tempDir();
  const raw = new RawSqlite(temp.file("shape.db"));
  populate(raw, rows);
  raw.close();
  const server = await startChild(["verso", temp.file("shape.db"), "full", "512"]);
  try {
    await readShape(server.url, 20_000);
    await readChanges(server.url, 20_000);
    const result = await versus(
      settings.runs,
      () => rowsPerSecond(() => readShape(server.url), rows),
      () => rowsPerSecond(() => readChanges(server.url), rows),
    );
    const n = `${Math.round(rows / 1000)}k`;
    return [{ suite: "electric", name: `HTTP shape snapshot ${n} rows vs changes reset`, synchronous: "-", unit: "rows/s", ...result }];
  } finally {
    await server.stop();
    temp.remove();
  }
}
