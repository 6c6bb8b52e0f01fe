/**
 * Random steps for the model-based property: writes on a small key space of a few
 * regions (so the same rows are overwritten and deleted), conditions that sometimes
 * fail, compactions, reader pulls, concurrent groups and retries. A step's condition is
 * symbolic and resolved against the model when it runs, so "current" really is current.
 */
import fc from "fast-check";
import type { Expectation } from "../../src/model/write-command.js";
import type { CompactRequest, TxnOp } from "../../src/protocol/types.js";
import { cellId } from "../support/replica.js";
import type { Model, Write } from "./model.js";

export const REGIONS = ["r1", "r2", "r3"] as const;

type Condition = "none" | "absent" | "present" | "current" | "wrong";

interface CellStep {
  collection: string;
  key: string;
}

export type WriteStep =
  | { kind: "put"; region: string; cell: CellStep; value: number; condition: Condition; idem?: string }
  | { kind: "delete"; region: string; cell: CellStep; condition: Condition; idem?: string }
  | {
      kind: "txn";
      region: string;
      ops: Array<{ op: "put" | "delete"; cell: CellStep; value: number; condition: Condition }>;
      idem?: string;
    }
  | { kind: "nextVersion"; region: string; idem?: string }
  | { kind: "compact"; region: string; horizon: CompactRequest; idem?: string }
  /** Sends again the n-th (modulo) keyed write sent so far, unchanged. */
  | { kind: "retry"; pick: number };

export type Step = WriteStep | { kind: "pull"; region: string; limit: number } | { kind: "group"; steps: WriteStep[] };

const region = fc.constantFrom(...REGIONS);
const cell = fc.record({ collection: fc.constantFrom("c", "d"), key: fc.constantFrom("a", "b", "c") });
const condition = fc.constantFrom<Condition>("none", "none", "none", "absent", "present", "current", "current", "wrong");
const value = fc.integer({ min: 0, max: 9 });
/** A few keys shared by all writes: retries replay, other requests collide with them. */
const idem = fc.option(fc.constantFrom("k1", "k2", "k3", "k4"), { freq: 4, nil: undefined });

function withIdem<T extends object>(arb: fc.Arbitrary<T>): fc.Arbitrary<T & { idem?: string }> {
  return fc.tuple(arb, idem).map(([step, key]) => (key === undefined ? step : { ...step, idem: key }));
}

// Each record is built on its own: inferred against WriteStep, fc.record would lose its required keys.
const put = fc.record({ kind: fc.constant("put" as const), region, cell, value, condition });
const del = fc.record({ kind: fc.constant("delete" as const), region, cell, condition });
const txnOp = fc.record({ op: fc.constantFrom("put" as const, "delete" as const), cell, value, condition });
const txn = fc.record({
  kind: fc.constant("txn" as const),
  region,
  ops: fc.uniqueArray(txnOp, { minLength: 1, maxLength: 3, selector: (op) => cellId(op.cell.collection, op.cell.key) }),
});
const nextVersion = fc.record({ kind: fc.constant("nextVersion" as const), region });
const horizon = fc.oneof(
  fc.record({ retainVersions: fc.integer({ min: 0, max: 6 }) }),
  fc.record({ beforeVersion: fc.integer({ min: 0, max: 30 }) }),
);
const compact = fc.record({ kind: fc.constant("compact" as const), region, horizon });
const retry = fc.record({ kind: fc.constant("retry" as const), pick: fc.nat() });

const writeStep: fc.Arbitrary<WriteStep> = fc.oneof(
  { weight: 6, arbitrary: withIdem(put) },
  { weight: 3, arbitrary: withIdem(del) },
  { weight: 3, arbitrary: withIdem(txn) },
  { weight: 1, arbitrary: withIdem(nextVersion) },
  { weight: 2, arbitrary: withIdem(compact) },
  { weight: 1, arbitrary: retry },
);

const pull = fc.record({ kind: fc.constant("pull" as const), region, limit: fc.integer({ min: 1, max: 4 }) });
const group = fc.record({ kind: fc.constant("group" as const), steps: fc.array(writeStep, { minLength: 2, maxLength: 4 }) });

export const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 10, arbitrary: writeStep },
  { weight: 3, arbitrary: pull },
  { weight: 2, arbitrary: group },
);

/** The concrete write a step stands for, given the model's state now (undefined: a retry with nothing to retry). */
export function resolve(step: WriteStep, model: Model, sent: readonly Write[]): Write | undefined {
  if (step.kind === "retry") return sent.length === 0 ? undefined : sent[step.pick % sent.length];
  const key = step.idem === undefined ? {} : { idem: step.idem };
  if (step.kind === "nextVersion" || step.kind === "compact") return { ...step, ...key };
  const live = model.region(step.region).live;
  const expectation = (c: CellStep, wanted: Condition, allowPresent: boolean): Expectation | undefined => {
    const current = live.get(cellId(c.collection, c.key))?.version;
    switch (wanted) {
      case "none":
        return undefined;
      case "absent":
        return 0;
      case "present":
        if (allowPresent) return "present";
        return current ?? 1;
      case "current":
        return current ?? 1;
      case "wrong":
        return (current ?? 0) + 3;
    }
  };
  if (step.kind === "txn") {
    const ops = step.ops.map((op): TxnOp => {
      const ifVersion = expectation(op.cell, op.condition, false) as number | undefined;
      const base = { collection: op.cell.collection, key: op.cell.key, ...(ifVersion !== undefined && { ifVersion }) };
      return op.op === "put" ? { op: "put", ...base, value: op.value } : { op: "delete", ...base };
    });
    return { kind: "txn", region: step.region, ops, ...key };
  }
  const expect = expectation(step.cell, step.condition, true);
  const target = { region: step.region, collection: step.cell.collection, key: step.cell.key, ...(expect !== undefined && { expect }) };
  return step.kind === "put" ? { kind: "put", ...target, value: step.value, ...key } : { kind: "delete", ...target, ...key };
}
