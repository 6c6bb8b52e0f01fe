/**
 * A reference model of verso's write semantics, written from the contract rather than
 * from the code: per-region head, floor, live rows, tombstones, the live state after
 * every version, and the first answer of every Idempotency-Key. Property tests run the
 * same commands on the model and on a real store and compare every answer.
 */

import type { Expectation } from "../../src/model/write-command.js";
import type { CompactRequest, Json, TxnOp } from "../../src/protocol/types.js";
import { type Cell, cellId, type State } from "../support/replica.js";

/** A concrete write, as sent to the store. */
export type Write =
  | { kind: "put"; region: string; collection: string; key: string; value: Json; expect?: Expectation; idem?: string }
  | { kind: "delete"; region: string; collection: string; key: string; expect?: Expectation; idem?: string }
  | { kind: "txn"; region: string; ops: TxnOp[]; idem?: string }
  | { kind: "nextVersion"; region: string; idem?: string }
  | { kind: "compact"; region: string; horizon: CompactRequest; idem?: string };

/** What a call answers: its result, or the name and extra fields of its typed error. */
export type Answer = { ok: unknown } | { error: string; extra: unknown };

export interface RegionModel {
  head: number;
  floor: number;
  live: State;
  /** Tombstones still stored, by cell, with their version. */
  tombstones: Map<string, number>;
  /** history[v] = live state after version v; history[0] is empty. */
  history: State[];
}

interface Failure {
  index: number;
  collection: string;
  key: string;
  reason: "mismatch" | "missing";
  current: { version: number; value: Json } | null;
}

export class Model {
  readonly regions = new Map<string, RegionModel>();
  private readonly keys = new Map<string, { identity: string; answer: Answer }>();

  region(name: string): RegionModel {
    let region = this.regions.get(name);
    if (!region) {
      region = { head: 0, floor: 0, live: new Map(), tombstones: new Map(), history: [new Map()] };
      this.regions.set(name, region);
    }
    return region;
  }

  /** Applies a write and returns the answer the store must give. */
  submit(write: Write): Answer {
    if (write.idem === undefined) return this.execute(write);
    const identity = identityOf(write);
    const seen = this.keys.get(write.idem);
    if (seen) return seen.identity === identity ? seen.answer : { error: "IdempotencyKeyReusedError", extra: {} };
    const answer = this.execute(write);
    this.keys.set(write.idem, { identity, answer });
    return answer;
  }

  private execute(write: Write): Answer {
    const region = this.region(write.region);
    switch (write.kind) {
      case "nextVersion":
        return { ok: { region: write.region, version: this.commit(region, []) } };
      case "compact":
        return { ok: this.compact(region, write.horizon) };
      case "put":
      case "delete": {
        const op: TxnOp =
          write.kind === "put"
            ? { op: "put", collection: write.collection, key: write.key, value: write.value }
            : { op: "delete", collection: write.collection, key: write.key };
        const failures = this.check(region, [op], [write.expect]);
        const first = failures[0];
        if (first) {
          if (!failures.some((f) => f.reason === "mismatch")) return { error: "NotFoundError", extra: {} };
          return { error: "VersionMismatchError", extra: { current: first.current } };
        }
        const version = this.commit(region, [op]);
        return { ok: write.kind === "put" ? { region: write.region, collection: write.collection, key: write.key, version } : { version } };
      }
      case "txn": {
        const failures = this.check(
          region,
          write.ops,
          write.ops.map((op) => op.ifVersion),
        );
        if (failures.length > 0) {
          const list = failures.map(({ index, collection, key, current }) => ({ index, collection, key, current }));
          const name = failures.some((f) => f.reason === "mismatch") ? "VersionMismatchError" : "NotFoundError";
          return { error: name, extra: { failures: list } };
        }
        return { ok: { version: this.commit(region, write.ops) } };
      }
    }
  }

  private check(region: RegionModel, ops: TxnOp[], expects: Array<Expectation | undefined>): Failure[] {
    const failures: Failure[] = [];
    ops.forEach((op, index) => {
      const cell = region.live.get(cellId(op.collection, op.key));
      const expect = expects[index];
      const fail = (reason: Failure["reason"]) =>
        failures.push({
          index,
          collection: op.collection,
          key: op.key,
          reason,
          current: cell ? { version: cell.version, value: JSON.parse(cell.valueJson) } : null,
        });
      // A delete needs a live row whatever its condition; a condition that does not hold is a mismatch.
      const holds = expect === undefined || (expect === "present" ? cell !== undefined : expect === 0 ? !cell : cell?.version === expect);
      if (!holds) fail("mismatch");
      else if (op.op === "delete" && !cell) fail("missing");
    });
    return failures;
  }

  private commit(region: RegionModel, ops: TxnOp[]): number {
    const version = ++region.head;
    for (const op of ops) {
      const id = cellId(op.collection, op.key);
      if (op.op === "put") {
        const cell: Cell = { version, valueJson: JSON.stringify(op.value) };
        region.live.set(id, cell);
        region.tombstones.delete(id);
      } else {
        region.live.delete(id);
        region.tombstones.set(id, version);
      }
    }
    region.history.push(new Map(region.live));
    return version;
  }

  private compact(region: RegionModel, horizon: CompactRequest): { floor: number; purged: number } {
    const wanted = "retainVersions" in horizon ? region.head - horizon.retainVersions : horizon.beforeVersion - 1;
    region.floor = Math.max(region.floor, Math.min(wanted, region.head));
    let purged = 0;
    for (const [id, version] of region.tombstones) {
      if (version > region.floor) continue;
      region.tombstones.delete(id);
      purged++;
    }
    return { floor: region.floor, purged };
  }
}

/** Two writes are "the same request" when everything but the key matches. */
function identityOf(write: Write): string {
  const { idem: _key, ...rest } = write;
  return JSON.stringify(rest);
}
