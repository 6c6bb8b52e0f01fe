/**
 * Drives a target with concurrent writers (transactions on fresh keys, random regions,
 * random nodes) while pull readers (small random page sizes) and long-pollers follow
 * every region through every node, and records what each of them saw.
 */
import type { Ack, ReaderLog, ReaderSegment, Violation } from "./history.js";
import { between, type Random } from "./random.js";
import type { FeedOp, Target } from "./target.js";

export interface WorkloadOptions {
  regions: number;
  writers: number;
  /** Transactions per writer. */
  txns: number;
  /** Keys per transaction: 1 to this. */
  maxKeys: number;
  /** Pull readers per region (no waiting, page size 1 to pageLimit). */
  pullers: number;
  /** Long-pollers per region. */
  pollers: number;
  pageLimit: number;
  pollWaitMs: number;
  /** How long readers may take to catch up once writers are done. */
  catchUpMs: number;
}

export interface Recorded {
  acks: Ack[];
  failedWrites: string[];
  readers: ReaderLog[];
  pages: number;
  /** Found while reading: malformed pages and readers that never caught up. */
  violations: Violation[];
}

export function regionName(i: number): string {
  return `region-${i}`;
}

export async function runWorkload(target: Target, options: WorkloadOptions, random: Random): Promise<Recorded> {
  const recorded: Recorded = { acks: [], failedWrites: [], readers: [], pages: 0, violations: [] };
  const highest = new Map<string, number>();
  let writing = true;
  let writersDone!: () => void;
  const writersFinished = new Promise<void>((resolve) => {
    writersDone = resolve;
  });

  const writer = async (w: number) => {
    for (let t = 0; t < options.txns; t++) {
      const region = regionName(between(random, 0, options.regions - 1));
      const keys = Array.from({ length: between(random, 1, options.maxKeys) }, (_, j) => `w${w}.${t}.${j}`);
      try {
        const version = await target.write(between(random, 0, target.nodes - 1), region, keys);
        recorded.acks.push({ region, version, keys });
        highest.set(region, Math.max(version, highest.get(region) ?? 0));
      } catch (error) {
        recorded.failedWrites.push(`${region} [${keys.join(",")}]: ${(error as Error).message}`);
      }
    }
  };

  const reader = async (name: string, region: string, node: number, waitMs: number) => {
    const segment: ReaderSegment = { ops: [], caughtUp: [] };
    const log: ReaderLog = { reader: name, region, segments: [segment] };
    recorded.readers.push(log);
    let current = segment;
    let cursor = 0;
    let deadline = Number.POSITIVE_INFINITY;
    void writersFinished.then(() => {
      deadline = Date.now() + options.catchUpMs;
    });
    for (;;) {
      const limit = waitMs > 0 ? options.pageLimit : between(random, 1, options.pageLimit);
      const page = await target.changes(node, region, cursor, limit, waitMs);
      recorded.pages++;
      if (page.reset) {
        current = { ops: [], caughtUp: [] };
        log.segments.push(current);
      } else {
        const problem = malformed(page.ops, cursor, page.cursor);
        if (problem) recorded.violations.push({ kind: "malformed-page", region, reader: name, detail: problem });
      }
      current.ops.push(...page.ops);
      cursor = page.cursor;
      if (!page.more) current.caughtUp.push({ cursor, opsSeen: current.ops.length });
      if (!writing && !page.more && cursor >= (highest.get(region) ?? 0)) return;
      if (Date.now() > deadline) {
        recorded.violations.push({
          kind: "stalled",
          region,
          reader: name,
          detail: `at cursor ${cursor} ${options.catchUpMs} ms after the last write; last acknowledged version ${highest.get(region) ?? 0}`,
        });
        return;
      }
      // Pullers pause a little so that they do not starve the writers of CPU.
      if (waitMs === 0) await new Promise((resolve) => setTimeout(resolve, between(random, 0, 2)));
    }
  };

  const readers: Array<Promise<void>> = [];
  for (let r = 0; r < options.regions; r++) {
    const region = regionName(r);
    for (let p = 0; p < options.pullers; p++) readers.push(reader(`pull-${r}.${p}`, region, p % target.nodes, 0));
    for (let p = 0; p < options.pollers; p++) readers.push(reader(`poll-${r}.${p}`, region, (p + 1) % target.nodes, options.pollWaitMs));
  }
  await Promise.all(Array.from({ length: options.writers }, (_, w) => writer(w)));
  writing = false;
  writersDone();
  await Promise.all(readers);
  return recorded;
}

/** Ops must lie in (since, cursor] in non-decreasing version order. */
function malformed(ops: readonly FeedOp[], since: number, cursor: number): string | undefined {
  let previous = since;
  for (const op of ops) {
    if (op.version <= since || op.version > cursor) return `${op.key}@${op.version} outside (${since}, ${cursor}]`;
    if (op.version < previous) return `${op.key}@${op.version} after version ${previous}`;
    previous = op.version;
  }
  if (cursor < since) return `cursor went back from ${since} to ${cursor}`;
  return undefined;
}

/** Reads a region's whole feed from the start through one node. */
export async function readAll(target: Target, node: number, region: string): Promise<FeedOp[]> {
  const ops: FeedOp[] = [];
  let cursor = 0;
  for (;;) {
    const page = await target.changes(node, region, cursor, 1000, 0);
    if (page.reset) ops.length = 0;
    ops.push(...page.ops);
    cursor = page.cursor;
    if (!page.more) return ops;
  }
}
