/**
 * NextVersion three ways, under the same closed-loop load: `--concurrency` callers
 * each issue calls back to back until `--ops` calls are done, on one region and on
 * eight regions (caller i uses region i mod 8); each without and with an
 * Idempotency-Key (a fresh one per call, as VersoClient sends by default).
 *
 *   embedded  verso's VersoStore.nextVersion in this process (SQLite, synchronous=full)
 *   http      verso's HTTP server in its own process (bench/http-target.ts, as in the
 *             http suite: synchronous=full, group commit on), through VersoClient
 *   restate   the VersioningService virtual object through Restate's ingress
 *             (restate-server 1.7 and verso's SDK endpoint, each in its own process)
 *
 * Both HTTP systems are called over the same keep-alive node:http transport, from this
 * process, so the difference between them is the servers'.
 *
 * Run: node --import tsx bench/restate.ts [--ops 2000] [--concurrency 16]
 */
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { VersoClient } from "../src/client/http-client.js";
import { HttpTransport } from "../src/client/transport.js";
import { storeVersionCounter, type VersionCounter } from "../src/core/version-counter.js";
import { openStore } from "../src/open-store.js";
import { RestateAdmin } from "../src/restate/admin.js";
import { ingressVersionCounter } from "../src/restate/ingress-counter.js";
import { startRestateServer } from "../test/restate/harness.js";
import { startChild } from "./child-server.js";
import { keepAliveFetch } from "./keep-alive-fetch.js";

const { values } = parseArgs({
  options: { ops: { type: "string", default: "2000" }, concurrency: { type: "string", default: "16" } },
});
const OPS = Number(values.ops);
const CONCURRENCY = Number(values.concurrency);
// Long enough for the HTTP paths to be compiled before they are measured.
const WARMUP = Math.min(1000, OPS);
const REGION_COUNTS = [1, 8];

interface Result {
  system: string;
  keyed: boolean;
  regions: number;
  opsPerSec: number;
  p50: number;
  p99: number;
}

/** Closed loop: each caller starts its next call when the previous one returns. */
async function load(
  counter: VersionCounter,
  keyed: boolean,
  prefix: string,
  regions: number,
  ops: number,
): Promise<{ seconds: number; latencies: number[] }> {
  const latencies: number[] = [];
  let issued = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async (_, caller) => {
      const region = `${prefix}-r${caller % regions}`;
      while (issued < ops) {
        issued++;
        const t = performance.now();
        await counter.next(region, keyed ? randomUUID() : undefined);
        latencies.push(performance.now() - t);
      }
    }),
  );
  return { seconds: (performance.now() - start) / 1000, latencies };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

async function measure(system: string, counter: VersionCounter): Promise<Result[]> {
  const results: Result[] = [];
  for (const keyed of [false, true]) {
    for (const regions of REGION_COUNTS) {
      const prefix = `${keyed ? "keyed" : "plain"}-${regions}`;
      await load(counter, keyed, `warm-${prefix}`, regions, WARMUP);
      const { seconds, latencies } = await load(counter, keyed, `run-${prefix}`, regions, OPS);
      latencies.sort((a, b) => a - b);
      // Every call must have produced a distinct version: check the counters add up.
      let total = 0;
      for (let r = 0; r < regions; r++) total += await counter.current(`run-${prefix}-r${r}`);
      if (total !== OPS) throw new Error(`${system}: ${OPS} calls but the counters sum to ${total}`);
      const p50 = percentile(latencies, 50);
      results.push({ system, keyed, regions, opsPerSec: OPS / seconds, p50, p99: percentile(latencies, 99) });
      process.stderr.write(`${system}${keyed ? " + key" : ""} ${regions} region(s): ${Math.round(OPS / seconds)} ops/s\n`);
    }
  }
  return results;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "verso-bench-restate-"));
  const results: Result[] = [];
  try {
    const embedded = await openStore({ path: join(dir, "embedded.db"), maintenanceIntervalMs: 0 });
    results.push(...(await measure("embedded", storeVersionCounter(embedded))));
    await embedded.close();

    const server = await startChild(["verso", join(dir, "http.db"), "full", "512"]);
    try {
      const client = new VersoClient({ server: server.url, fetch: keepAliveFetch });
      const transport = new HttpTransport({ server: server.url, fetch: keepAliveFetch });
      results.push(
        ...(await measure("http", {
          // Without `write`, the client sends no Idempotency-Key, as the embedded call.
          next: async (region, key) =>
            (key === undefined
              ? await transport.json<{ version: number }>({
                  method: "POST",
                  path: `/v1/regions/${encodeURIComponent(region)}/next-version`,
                })
              : await client.nextVersion(region, { idempotencyKey: key })
            ).version,
          current: async (region) => (await client.getVersion(region)).version,
        })),
      );
    } finally {
      await server.stop();
    }

    const restate = await startRestateServer();
    const endpoint = await startChild(["endpoint"]);
    try {
      await new RestateAdmin(restate.admin).register(endpoint.url);
      results.push(...(await measure("restate", ingressVersionCounter({ ingress: restate.ingress, fetch: keepAliveFetch }))));
    } finally {
      await endpoint.stop();
      await restate.stop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  printTable(results);
}

function printTable(results: Result[]): void {
  const same = (system: string, r: Result) => results.find((x) => x.system === system && x.regions === r.regions && x.keyed === r.keyed);
  const rows = [["system", "Idempotency-Key", "regions", "ops/s", "p50 ms", "p99 ms", "ops/s vs embedded", "ops/s vs restate"]];
  for (const r of results) {
    const e = same("embedded", r);
    const x = same("restate", r);
    rows.push([
      r.system,
      r.keyed ? "yes" : "no",
      String(r.regions),
      String(Math.round(r.opsPerSec)),
      r.p50.toFixed(2),
      r.p99.toFixed(2),
      e ? `${(r.opsPerSec / e.opsPerSec).toFixed(2)}x` : "-",
      x ? `${(r.opsPerSec / x.opsPerSec).toFixed(1)}x` : "-",
    ]);
  }
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((row) => (row[i] ?? "").length))) ?? [];
  const line = (row: string[]) => `| ${row.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join(" | ")} |`;
  const out = [line(rows[0] ?? []), `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`, ...rows.slice(1).map(line)];
  process.stdout.write(
    `NextVersion, ${OPS} calls per row, ${CONCURRENCY} concurrent callers (closed loop), node ${process.version}\n${out.join("\n")}\n`,
  );
}

await main();
