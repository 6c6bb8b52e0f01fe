/** Human output by default, JSON with `-o json`. */
export type Format = "human" | "json";

export function print(format: Format, value: unknown, human: () => string): void {
  process.stdout.write(`${format === "json" ? JSON.stringify(value) : human()}\n`);
}

export function table(rows: string[][]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length))) ?? [];
  return rows
    .map((r) =>
      r
        .map((cell, i) => cell.padEnd(widths[i] ?? 0))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}
