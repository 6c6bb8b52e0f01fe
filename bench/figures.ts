/** A measured figure and the table they are printed in. */

export type Sync = "FULL" | "NORMAL" | "-";

export interface Figure {
  suite: string;
  /** What was measured and against what, e.g. "put c=64 vs raw SQL". */
  name: string;
  synchronous: Sync;
  unit: string;
  /** Median of verso's samples. */
  verso: number;
  /** Median of the baseline's samples. */
  baseline: number;
  /** Median of verso / baseline over runs: above 1 means verso did more per second. */
  ratio: number;
}

function amount(value: number): string {
  if (value >= 100_000) return `${Math.round(value / 1000)}k`;
  if (value >= 10_000) return `${(value / 1000).toFixed(1)}k`;
  return String(Math.round(value));
}

export function table(figures: readonly Figure[]): string {
  const header = ["suite", "figure", "sync", "unit", "verso", "baseline", "ratio"];
  const rows = figures.map((f) => [f.suite, f.name, f.synchronous, f.unit, amount(f.verso), amount(f.baseline), f.ratio.toFixed(2)]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]?.length ?? 0)));
  const numeric = new Set([4, 5, 6]);
  const line = (cells: string[]) =>
    cells.map((c, i) => (numeric.has(i) ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0))).join("  ");
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}
