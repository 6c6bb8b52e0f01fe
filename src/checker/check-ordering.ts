/**
 * The ordering checker: runs the workload against verso (SQLite or PostgreSQL, one or
 * several API nodes) or against the naive allocate-then-write design, then judges the
 * recorded history. A run with no violation is evidence, not proof; a run with one is
 * a counterexample, reported with the reader, region and versions involved.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { checkAcks, checkFinal, checkReader, type Violation, type ViolationKind } from "./history.js";
import { naiveTarget } from "./naive-target.js";
import { type Backend, startNodes, stopNodes } from "./nodes.js";
import { quotedSchema } from "./postgres-schema.js";
import { seededRandom } from "./random.js";
import { type Target, versoTarget } from "./target.js";
import { readAll, regionName, runWorkload, type WorkloadOptions } from "./workload.js";

export type CheckBackend = { kind: "sqlite"; path?: string } | { kind: "postgres"; url: string; schema?: string };

export interface CheckOptions extends WorkloadOptions {
  backend: CheckBackend;
  nodes: number;
  /** "verso", or "naive": allocate the version first, write the row later (PostgreSQL only). */
  writer: "verso" | "naive";
  /** Naive writer: most time between taking a version and writing the rows (a round trip elsewhere). */
  naiveDelayMs: number;
  seed: number;
}

export interface OrderingReport {
  target: string;
  nodes: number;
  seed: number;
  acknowledged: number;
  failedWrites: number;
  pages: number;
  /** Times a reader was caught up (a page with more: false), each one checked. */
  caughtUp: number;
  violationCount: number;
  byKind: Partial<Record<ViolationKind, number>>;
  /** The first violations found (at most 20). */
  violations: Violation[];
  durationMs: number;
}

export const DEFAULT_CHECK: Omit<CheckOptions, "backend"> = {
  nodes: 1,
  writer: "verso",
  naiveDelayMs: 10,
  seed: 1,
  regions: 4,
  writers: 8,
  txns: 40,
  maxKeys: 3,
  pullers: 2,
  pollers: 1,
  pageLimit: 4,
  pollWaitMs: 500,
  catchUpMs: 10_000,
};

export async function checkOrdering(options: CheckOptions): Promise<OrderingReport> {
  const started = Date.now();
  const random = seededRandom(options.seed);
  const cleanup: Array<() => Promise<void>> = [];
  try {
    const target = await openTarget(options, random, cleanup);
    const recorded = await runWorkload(target, options, random);
    const violations = [...recorded.violations, ...checkAcks(recorded.acks)];
    for (const log of recorded.readers) violations.push(...checkReader(log, recorded.acks));
    for (let node = 0; node < target.nodes; node++) {
      for (let r = 0; r < options.regions; r++) {
        const region = regionName(r);
        violations.push(...checkFinal(region, await readAll(target, node, region), recorded.acks, `node ${node}`));
      }
    }
    const byKind: Partial<Record<ViolationKind, number>> = {};
    for (const v of violations) byKind[v.kind] = (byKind[v.kind] ?? 0) + 1;
    return {
      target: target.name,
      nodes: target.nodes,
      seed: options.seed,
      acknowledged: recorded.acks.length,
      failedWrites: recorded.failedWrites.length,
      pages: recorded.pages,
      caughtUp: recorded.readers.reduce((n, log) => n + log.segments.reduce((m, s) => m + s.caughtUp.length, 0), 0),
      violationCount: violations.length,
      byKind,
      violations: violations.slice(0, 20),
      durationMs: Date.now() - started,
    };
  } finally {
    for (const step of cleanup.reverse()) await step();
  }
}

async function openTarget(options: CheckOptions, random: () => number, cleanup: Array<() => Promise<void>>): Promise<Target> {
  const { backend } = options;
  if (options.writer === "naive") {
    if (backend.kind !== "postgres") throw new Error("the naive writer is implemented on PostgreSQL only (--postgres URL)");
    const schema = ownSchema(backend, cleanup);
    const target = await naiveTarget(backend.url, schema, random, options.naiveDelayMs);
    cleanup.push(() => target.close());
    return target;
  }
  let nodesBackend: Backend;
  if (backend.kind === "postgres") {
    nodesBackend = { kind: "postgres", url: backend.url, schema: ownSchema(backend, cleanup) };
  } else if (backend.path) {
    nodesBackend = { kind: "sqlite", path: backend.path };
  } else {
    const dir = mkdtempSync(join(tmpdir(), "verso-check-"));
    cleanup.push(async () => rmSync(dir, { recursive: true, force: true }));
    nodesBackend = { kind: "sqlite", path: join(dir, "verso.db") };
  }
  const nodes = await startNodes(nodesBackend, options.nodes);
  cleanup.push(() => stopNodes(nodes));
  const where = nodesBackend.kind === "sqlite" ? "SQLite" : "PostgreSQL";
  return versoTarget(`verso on ${where}, ${options.nodes} node(s)`, nodes);
}

/** The schema given, kept; or a fresh one, dropped when the run ends. */
function ownSchema(backend: { url: string; schema?: string }, cleanup: Array<() => Promise<void>>): string {
  if (backend.schema) return backend.schema;
  const schema = `verso_check_${randomBytes(5).toString("hex")}`;
  cleanup.push(async () => {
    const client = new pg.Client({ connectionString: backend.url });
    await client.connect();
    try {
      await client.query(`DROP SCHEMA IF EXISTS ${quotedSchema(schema)} CASCADE`);
    } finally {
      await client.end();
    }
  });
  return schema;
}
