/**
 * Bootstrap benchmark: an agent builds a replica of a large region from scratch, against
 * a raw scan of the same rows in the server's SQLite file. Each measured side runs in its
 * own process so its peak RSS is its own.
 *
 *   node --import tsx bench/bootstrap.ts [--rows 1000000] [--page-limit default,1000,10000]
 *
 * `default` asks for no limit: the server's default page size (10000 ops for a reset).
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import Database from "better-sqlite3";
import { openReplica } from "../src/agent/replica.js";
import { openStore } from "../src/open-store.js";

const SELF = fileURLToPath(import.meta.url);
const MAIN = fileURLToPath(new URL("../src/cli/main.ts", import.meta.url));
const REGION = "bench";
const TXN_OPS = 1000;

interface Measured {
  rows: number;
  ms: number;
  maxRssMb: number;
}

const { values } = parseArgs({
  options: {
    rows: { type: "string", default: "1000000" },
    "page-limit": { type: "string", default: "default,1000,10000" },
    child: { type: "string" },
    url: { type: "string" },
    path: { type: "string" },
    limit: { type: "string" },
  },
});

function peakRssMb(): number {
  return Math.round(process.resourceUsage().maxRSS / 1024);
}

async function agentChild(url: string, path: string, pageLimit: number | undefined): Promise<Measured> {
  const started = performance.now();
  const replica = openReplica({ server: url, region: REGION, path, transport: "poll", ...(pageLimit !== undefined && { pageLimit }) });
  await new Promise((resolve) => replica.once("ready", resolve));
  const ms = performance.now() - started;
  const rows = countRows(path);
  await replica.stop();
  return { rows, ms, maxRssMb: peakRssMb() };
}

function countRows(path: string): number {
  const db = new Database(path, { readonly: true });
  try {
    return (db.prepare("SELECT count(*) AS n FROM rows WHERE value IS NOT NULL").get() as { n: number }).n;
  } finally {
    db.close();
  }
}

/** The floor: read the live rows straight from the server's file, and also copy them into a fresh file. */
function scanChild(serverDb: string, copyTo: string | undefined): Measured {
  const started = performance.now();
  const db = new Database(serverDb, { readonly: true });
  const scan = db.prepare(
    "SELECT collection, key, version, value FROM rows WHERE region_id = (SELECT id FROM regions WHERE name = ?) AND deleted = 0 ORDER BY version, collection, key",
  );
  let rows = 0;
  if (copyTo) {
    const out = new Database(copyTo);
    out.pragma("journal_mode = WAL");
    out.pragma("synchronous = NORMAL");
    out.exec(
      "CREATE TABLE rows (collection TEXT NOT NULL, key TEXT NOT NULL, version INTEGER NOT NULL, value TEXT NOT NULL, PRIMARY KEY (collection, key)) WITHOUT ROWID",
    );
    const insert = out.prepare("INSERT INTO rows VALUES (?, ?, ?, ?)");
    out.transaction(() => {
      for (const r of scan.iterate(REGION) as Iterable<{ collection: string; key: string; version: number; value: string }>) {
        insert.run(r.collection, r.key, r.version, r.value);
        rows++;
      }
    })();
    out.close();
  } else {
    for (const _ of scan.iterate(REGION)) rows++;
  }
  db.close();
  return { rows, ms: performance.now() - started, maxRssMb: peakRssMb() };
}

function runChild(args: string[]): Promise<Measured> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", SELF, ...args], { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (out += chunk));
    child.once("exit", (code) => (code === 0 ? resolve(JSON.parse(out) as Measured) : reject(new Error(`child failed (${code})`))));
  });
}

async function populate(db: string, rows: number): Promise<void> {
  const store = await openStore({ path: db, synchronous: "normal", maintenanceIntervalMs: 0 });
  for (let start = 0; start < rows; start += TXN_OPS) {
    const ops = [];
    for (let i = start; i < Math.min(rows, start + TXN_OPS); i++) {
      ops.push({
        op: "put" as const,
        collection: i % 10 === 0 ? "gateways" : "deployments",
        key: `svc-${i.toString().padStart(7, "0")}`,
        value: { image: `registry.example/app:${i % 977}`, replicas: i % 7, env: { TIER: i % 3 === 0 ? "gold" : "std" } },
      });
    }
    await store.transact(REGION, ops);
  }
  await store.close();
}

function startServer(db: string): Promise<{ url: string; stop: () => Promise<void> }> {
  const code = `import { main } from ${JSON.stringify(MAIN)}; await main(["serve", "--db", ${JSON.stringify(db)}, "--port", "0", "--synchronous", "normal"]);`;
  const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", code], { stdio: ["ignore", "ignore", "pipe"] });
  return new Promise((resolve, reject) => {
    let text = "";
    const listening = (chunk: string) => {
      text += chunk;
      const match = /serving (http:\/\/\S+)/.exec(text);
      if (match?.[1]) {
        // Keep draining the server's log, once: a full pipe would stall the server.
        child.stderr.off("data", listening).on("data", () => {});
        const exited = new Promise<void>((done) => child.once("exit", () => done()));
        const stop = () => {
          child.kill("SIGTERM");
          return exited;
        };
        resolve({ url: match[1], stop });
      }
    };
    child.stderr.setEncoding("utf8").on("data", listening);
    child.once("exit", (code) => reject(new Error(`server exited (${code}): ${text}`)));
  });
}

function rate(m: Measured): number {
  return m.rows / (m.ms / 1000);
}

function line(name: string, m: Measured): string {
  const perSecond = Math.round(rate(m));
  return `${name.padEnd(34)} ${String(m.rows).padStart(9)} rows  ${(m.ms / 1000).toFixed(2).padStart(7)} s  ${String(perSecond).padStart(9)} rows/s  peak RSS ${m.maxRssMb} MB`;
}

if (values.child === "agent") {
  const limit = values.limit === "default" ? undefined : Number(values.limit);
  process.stdout.write(JSON.stringify(await agentChild(values.url ?? "", values.path ?? "", limit)));
} else if (values.child === "scan" || values.child === "copy") {
  process.stdout.write(JSON.stringify(scanChild(values.path ?? "", values.child === "copy" ? values.url : undefined)));
} else {
  const rows = Number(values.rows);
  const limits = (values["page-limit"] ?? "default").split(",");
  const dir = mkdtempSync(join(tmpdir(), "verso-bench-"));
  try {
    const db = join(dir, "server.db");
    const started = performance.now();
    await populate(db, rows);
    console.log(`populated ${rows} rows in ${((performance.now() - started) / 1000).toFixed(1)} s (${rows / TXN_OPS} transactions)`);
    const scan = await runChild(["--child", "scan", "--path", db]);
    console.log(line("raw SQLite scan", scan));
    const copy = await runChild(["--child", "copy", "--path", db, "--url", join(dir, "copy.db")]);
    console.log(line("raw SQLite scan + copy to a file", copy));
    const agents: [string, Measured][] = [];
    const server = await startServer(db);
    try {
      for (const limit of limits) {
        const path = join(dir, `replica-${limit}.db`);
        const measured = await runChild(["--child", "agent", "--url", server.url, "--path", path, "--limit", limit]);
        agents.push([limit, measured]);
        console.log(line(`agent bootstrap, page limit ${limit}`, measured));
        console.log(`${"".padEnd(34)} replica file ${(statSync(path).size / 2 ** 20).toFixed(0)} MB`);
      }
    } finally {
      await server.stop();
    }
    console.log("\nratios against the raw scans of this run (rows/s: above 1 is faster; peak RSS: above 1 uses more)");
    for (const [limit, agent] of agents) {
      for (const [name, base] of [
        ["scan", scan],
        ["scan + copy", copy],
      ] as const) {
        console.log(
          `  agent, page limit ${limit} / ${name}: rows/s ${(rate(agent) / rate(base)).toFixed(2)}, peak RSS ${(agent.maxRssMb / base.maxRssMb).toFixed(2)}`,
        );
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
