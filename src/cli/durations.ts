import { UsageError } from "./usage-error.js";

/** Parses "500ms", "15s", "30m", "24h", "7d" or a plain number of milliseconds. */
export function parseDuration(text: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/.exec(text.trim());
  if (!match?.[1]) throw new UsageError(`not a duration: ${JSON.stringify(text)} (use e.g. 500ms, 15s, 30m, 24h, 7d)`);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[match[2] ?? "ms"] ?? 1;
  return Math.round(Number(match[1]) * unit);
}
