/**
 * No two files of src/ import each other, directly or through others, not even for
 * types: a cycle held together by type imports still means a piece is in the wrong file.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, it } from "node:test";
import { REPO_ROOT } from "../support/child-process.js";
import { type ImportEdge, importGraph } from "./import-graph.js";

/** Every cycle found by a depth-first walk, each as the files along it. */
export function findCycles(edges: readonly ImportEdge[]): string[][] {
  const next = new Map<string, string[]>();
  for (const edge of edges) {
    if (!edge.to.endsWith(".ts")) continue;
    next.set(edge.from, [...(next.get(edge.from) ?? []), edge.to]);
  }
  const cycles: string[][] = [];
  const done = new Set<string>();
  const path: string[] = [];
  const visit = (file: string): void => {
    const at = path.indexOf(file);
    if (at >= 0) {
      cycles.push([...path.slice(at), file]);
      return;
    }
    if (done.has(file)) return;
    path.push(file);
    for (const to of next.get(file) ?? []) visit(to);
    path.pop();
    done.add(file);
  };
  for (const file of [...next.keys()].sort()) visit(file);
  return cycles;
}

describe("import cycles", () => {
  it("src/ has none", () => {
    assert.deepEqual(
      findCycles(importGraph(join(REPO_ROOT, "src"))).map((cycle) => cycle.join(" -> ")),
      [],
    );
  });

  it("a cycle is found", () => {
    const edge = (from: string, to: string): ImportEdge => ({ from, to, typeOnly: true, dynamic: false });
    assert.deepEqual(findCycles([edge("a.ts", "b.ts"), edge("b.ts", "c.ts"), edge("c.ts", "a.ts"), edge("c.ts", "d.ts")]), [
      ["a.ts", "b.ts", "c.ts", "a.ts"],
    ]);
  });
});
