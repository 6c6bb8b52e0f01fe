/**
 * The recorded history of a checker run and the rules it must satisfy. Pure: the
 * workload records, this module judges, so the rules can be tested on made-up histories.
 *
 * Writes put fresh keys only, so an acknowledged write at version v must show up in the
 * feed as exactly its keys at exactly v, and a reader's log says precisely which
 * writes it holds at any moment.
 */
import type { FeedOp } from "./target.js";

export interface Ack {
  region: string;
  version: number;
  keys: readonly string[];
}

/** A reader's log since its last reset: every op in arrival order, and each time it was caught up. */
export interface ReaderSegment {
  ops: FeedOp[];
  /** A page with `more: false` left the reader at `cursor` after `opsSeen` ops. */
  caughtUp: Array<{ cursor: number; opsSeen: number }>;
}

export interface ReaderLog {
  reader: string;
  region: string;
  segments: ReaderSegment[];
}

export type ViolationKind =
  /** A reader caught up at cursor V lacked an acknowledged write at or below V (invariant 2). */
  | "missed"
  /** One reader got the same change twice. */
  | "duplicate"
  /** Two acknowledged writes of one region got the same version (invariant 1). */
  | "version-reused"
  /** An acknowledged write is not in the final feed (invariant 5). */
  | "lost"
  /** A page's ops were not in version order, or lay outside (since, cursor]. */
  | "malformed-page"
  /** A reader never caught up with the last acknowledged version. */
  | "stalled";

export interface Violation {
  kind: ViolationKind;
  region: string;
  reader?: string;
  detail: string;
}

export function checkAcks(acks: readonly Ack[]): Violation[] {
  const violations: Violation[] = [];
  const seen = new Map<string, Ack>();
  for (const ack of acks) {
    const id = `${ack.region}\u0000${ack.version}`;
    const earlier = seen.get(id);
    if (earlier) {
      violations.push({
        kind: "version-reused",
        region: ack.region,
        detail: `version ${ack.version} acknowledged for [${earlier.keys.join(",")}] and for [${ack.keys.join(",")}]`,
      });
    } else {
      seen.set(id, ack);
    }
  }
  return violations;
}

/** Every acknowledged write ≤ V held by a reader each time it was caught up at V; no change delivered twice. */
export function checkReader(log: ReaderLog, acks: readonly Ack[]): Violation[] {
  const violations: Violation[] = [];
  const writes = acks.filter((a) => a.region === log.region).sort((x, y) => x.version - y.version);
  for (const segment of log.segments) {
    const firstAt = new Map<string, number>();
    segment.ops.forEach((op, position) => {
      const id = `${op.key}@${op.version}`;
      if (firstAt.has(id)) {
        violations.push({
          kind: "duplicate",
          region: log.region,
          reader: log.reader,
          detail: `${op.key} at version ${op.version} delivered twice`,
        });
      } else {
        firstAt.set(id, position);
      }
    });
    // When (at which op count) the reader held each write completely; Infinity if never.
    const heldFrom = writes.map((w) => Math.max(...w.keys.map((k) => (firstAt.get(`${k}@${w.version}`) ?? Number.POSITIVE_INFINITY) + 1)));
    // worst[i]: when every write up to index i was held.
    const worst: number[] = [];
    for (const [i, h] of heldFrom.entries()) worst.push(Math.max(h, worst[i - 1] ?? 0));
    // Each missing write is reported once per reader, at the first time it was missed.
    const reported = new Set<number>();
    for (const { cursor, opsSeen } of segment.caughtUp) {
      const upTo = lastIndexAtOrBelow(writes, cursor);
      if (upTo < 0 || (worst[upTo] ?? 0) <= opsSeen) continue;
      for (let i = 0; i <= upTo; i++) {
        if ((heldFrom[i] ?? 0) <= opsSeen || reported.has(i)) continue;
        reported.add(i);
        const write = writes[i]!;
        violations.push({
          kind: "missed",
          region: log.region,
          reader: log.reader,
          detail: `caught up at cursor ${cursor} without acknowledged version ${write.version} [${write.keys.join(",")}]`,
        });
      }
    }
  }
  return violations;
}

/** Every acknowledged write is in the final feed, with its keys at its version. */
export function checkFinal(region: string, finalOps: readonly FeedOp[], acks: readonly Ack[], where: string): Violation[] {
  const versionOf = new Map(finalOps.map((op) => [op.key, op.version]));
  const violations: Violation[] = [];
  for (const ack of acks) {
    if (ack.region !== region) continue;
    for (const key of ack.keys) {
      const found = versionOf.get(key);
      if (found !== ack.version) {
        violations.push({
          kind: "lost",
          region,
          detail: `${where}: ${key} acknowledged at version ${ack.version}, final feed has ${found ?? "nothing"}`,
        });
      }
    }
  }
  return violations;
}

function lastIndexAtOrBelow(writes: readonly Ack[], version: number): number {
  let lo = 0;
  let hi = writes.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (writes[mid]!.version <= version) {
      found = mid;
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  return found;
}
