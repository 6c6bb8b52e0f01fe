/**
 * PostgreSQL write throughput: `node --import tsx bench/postgres.ts [--duration S] [--repeat N] [--url URL]`
 *
 * 8 writers, each a loop of single-row puts, on 8 regions (one each) and on one region
 * (the global-lock case seed 004 warns about). verso runs in-process (VersoStore, no
 * HTTP) with group commit on (batches, 4 in flight) and off (one transaction per write,
 * 8 in flight). pgbench then runs the very statements verso sends for one write (taken
 * from statements.ts, pipelined the same way) with 8 clients: the same SQL without
 * Node, the pool or verso's bookkeeping. Each figure is the median of the repeats.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import pg from "pg";
import { openStore } from "../src/open-store.js";
import type { NotifyMode } from "../src/storage/postgres/notify.js";
import { PostgresStorage } from "../src/storage/postgres/postgres-storage.js";
import { commitChannel } from "../src/storage/postgres/schema-name.js";
import { statements } from "../src/storage/postgres/statements.js";

const WRITERS = 8;
const KEYS = 100_000;

const { values } = parseArgs({
  options: {
    url: { type: "string", default: process.env.VERSO_TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test" },
    duration: { type: "string", default: "5" },
    repeat: { type: "string", default: "3" },
  },
});
const url = values.url;
const seconds = Number(values.duration);
const repeat = Number(values.repeat);
const schema = `verso_bench_${randomBytes(4).toString("hex")}`;

interface VersoScenario {
  kind: "verso";
  regions: 1 | 8;
  groupCommit: boolean;
  notify: NotifyMode;
}
interface PgbenchScenario {
  kind: "pgbench";
  regions: 1 | 8;
  notify: NotifyMode;
}
type Scenario = VersoScenario | PgbenchScenario;

function label(s: Scenario): string {
  const what = s.kind === "verso" ? `verso, group commit ${s.groupCommit ? "on " : "off"}` : "pgbench, same SQL     ";
  return `${what}, notify ${s.notify.padEnd(14)}, ${s.regions} region(s)`;
}

async function runVerso(s: VersoScenario): Promise<number> {
  const store = await openStore({
    postgres: { connectionString: url, schema, poolSize: 10, notify: s.notify },
    maxBatch: s.groupCommit ? 512 : 1,
    writeConcurrency: s.groupCommit ? 4 : WRITERS,
    maintenanceIntervalMs: 0,
  });
  try {
    let done = 0;
    const end = Date.now() + seconds * 1000;
    const started = Date.now();
    await Promise.all(
      Array.from({ length: WRITERS }, async (_, w) => {
        const region = `region-${s.regions === 1 ? 1 : w + 1}`;
        for (let n = 0; Date.now() < end; n++) {
          const key = `k${1 + Math.floor(Math.random() * KEYS)}`;
          await store.put(region, "c", key, { n }, { idempotencyKey: `${w}-${n}-${randomBytes(6).toString("hex")}` });
          done++;
        }
      }),
    );
    return done / ((Date.now() - started) / 1000);
  } finally {
    await store.close();
  }
}

/** Replaces $n parameters with pgbench expressions, keeping the statement's text otherwise intact. */
function bind(text: string, params: Record<number, string>): string {
  return `${text.replace(/\$(\d+)(?!\d)/g, (_, n: string) => {
    const value = params[Number(n)];
    if (value === undefined) throw new Error(`no value for $${n}`);
    return value;
  })};`;
}

/** One verso write (a put with an Idempotency-Key) as pgbench script, round trips as verso makes them. */
function pgbenchScript(regions: number, notify: NotifyMode): string {
  const sql = statements(schema);
  const region = "('region-' || :region)";
  const key = "('k' || :key)";
  const idem = "(:client_id || '-' || :nonce)";
  const channel = `'${commitChannel(schema)}'`;
  const payload = `'["region-' || :region || '",1]'`;
  const claim = bind(sql.claimKeys, { 1: `ARRAY[${idem}]`, 2: "ARRAY['fingerprint']", 3: "0" });
  const write = bind(sql.bumpAndWrite, {
    1: region,
    2: "'epoch'",
    3: "0",
    4: "ARRAY['c']",
    5: `ARRAY[${key}]`,
    6: "ARRAY[false]",
    7: `ARRAY['{"n":1}']`,
  });
  const record = bind(sql.recordOutcomes, { 1: `ARRAY[${idem}]`, 2: `ARRAY['{"status":"committed","region":"r","version":1}']` });
  const notifyIn = bind(sql.notify, { 1: channel, 2: `ARRAY[${payload}]` });
  const lines = [
    `\\set region random(1, ${regions})`,
    `\\set key random(1, ${KEYS})`,
    "\\set nonce random(1, 1000000000000)",
    "\\startpipeline",
    "BEGIN;",
    claim,
    "\\endpipeline",
    write,
    "\\startpipeline",
    record,
    ...(notify === "in-transaction" ? [notifyIn] : []),
    "\\endpipeline",
    "COMMIT;",
  ];
  if (notify === "after-commit") {
    lines.push(
      "\\startpipeline",
      "BEGIN;",
      "SET LOCAL synchronous_commit TO off;",
      `SELECT pg_notify(${channel}, ${payload});`,
      "COMMIT;",
      "\\endpipeline",
    );
  }
  return `${lines.join("\n")}\n`;
}

function pgbenchPath(): string {
  const found = spawnSync("which", ["pgbench"], { encoding: "utf8" }).stdout.trim();
  if (found) return found;
  const fallback = "/usr/lib/postgresql/15/bin/pgbench";
  if (existsSync(fallback)) return fallback;
  throw new Error("pgbench not found");
}

function pgbenchArgs(file: string): string[] {
  return ["-n", "-M", "extended", "-f", file, "-c", String(WRITERS), "-j", "2", "-T", String(seconds), url];
}

function runPgbench(s: PgbenchScenario, dir: string): number {
  const file = join(dir, `write-${s.regions}-${s.notify}.sql`);
  writeFileSync(file, pgbenchScript(s.regions, s.notify));
  const output = execFileSync(pgbenchPath(), pgbenchArgs(file), { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  const tps = /tps = ([\d.]+)/.exec(output)?.[1];
  if (!tps) throw new Error(`no tps in pgbench output:\n${output}`);
  return Number(tps);
}

function median(xs: number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

async function main(): Promise<void> {
  const scenarios: Scenario[] = [];
  for (const notify of ["in-transaction", "after-commit"] as const) {
    for (const regions of [8, 1] as const) {
      if (notify === "in-transaction") scenarios.push({ kind: "verso", regions, groupCommit: true, notify });
      scenarios.push({ kind: "verso", regions, groupCommit: false, notify });
      scenarios.push({ kind: "pgbench", regions, notify });
    }
  }
  const dir = mkdtempSync(join(tmpdir(), "verso-bench-"));
  // The schema, and a node listening on its channel for the whole run, as in production.
  const listener = await PostgresStorage.open({ connectionString: url, schema, poolSize: 2 });
  const results = new Map<Scenario, number[]>();
  try {
    execFileSync(pgbenchPath(), ["--version"]);
    for (let round = 0; round < repeat; round++) {
      for (const s of scenarios) {
        const tps = s.kind === "verso" ? await runVerso(s) : runPgbench(s, dir);
        results.set(s, [...(results.get(s) ?? []), tps]);
        process.stderr.write(`round ${round + 1}: ${label(s)}: ${tps.toFixed(0)} writes/s\n`);
      }
    }
  } finally {
    await listener.close();
    rmSync(dir, { recursive: true, force: true });
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await client.end();
  }
  const runs = (find: (s: Scenario) => boolean) => results.get(scenarios.find(find)!) ?? [];
  const tps = (find: (s: Scenario) => boolean) => median(runs(find));
  // Ratios are taken within each round (the two runs were minutes apart at most), then the median.
  const ratio = (a: (s: Scenario) => boolean, b: (s: Scenario) => boolean) => {
    const xs = runs(a);
    const ys = runs(b);
    return median(xs.map((x, i) => x / (ys[i] ?? Number.NaN))).toFixed(2);
  };
  console.log(`\n${WRITERS} writers, ${seconds} s per run, median of ${repeat}; writes/s`);
  for (const s of scenarios) console.log(`  ${label(s)}: ${tps((x) => x === s).toFixed(0)}`);
  console.log("\nratios (median of per-round ratios)");
  const verso = (notify: NotifyMode, regions: number, groupCommit: boolean) => (s: Scenario) =>
    s.kind === "verso" && s.groupCommit === groupCommit && s.notify === notify && s.regions === regions;
  const bench = (notify: NotifyMode, regions: number) => (s: Scenario) =>
    s.kind === "pgbench" && s.notify === notify && s.regions === regions;
  for (const notify of ["in-transaction", "after-commit"] as const) {
    for (const regions of [8, 1] as const) {
      console.log(
        `  notify ${notify}, ${regions} region(s): verso (group commit off) / pgbench = ${ratio(verso(notify, regions, false), bench(notify, regions))}`,
      );
    }
    console.log(
      `  notify ${notify}, verso (group commit off): 8 regions / 1 region = ${ratio(verso(notify, 8, false), verso(notify, 1, false))}`,
    );
    console.log(`  notify ${notify}, pgbench: 8 regions / 1 region = ${ratio(bench(notify, 8), bench(notify, 1))}`);
  }
  console.log(
    `  verso group commit on: 8 regions / 1 region = ${ratio(verso("in-transaction", 8, true), verso("in-transaction", 1, true))}`,
  );
  console.log(`  verso 8 regions: group commit on / off = ${ratio(verso("in-transaction", 8, true), verso("in-transaction", 8, false))}`);
  console.log(`  verso 1 region: group commit on / off = ${ratio(verso("in-transaction", 1, true), verso("in-transaction", 1, false))}`);
  console.log(`\npgbench command: ${pgbenchPath()} ${pgbenchArgs("SCRIPT.sql").join(" ")}`);
  console.log(`pgbench script (8 regions, notify in-transaction):\n${pgbenchScript(8, "in-transaction")}`);
}

await main();
