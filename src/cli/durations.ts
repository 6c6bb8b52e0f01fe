import { UsageError } from "./usage-error.js";

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const FORMS = "500ms, 15s, 30m, 24h, 7d";

/**
 * Parses "500ms", "15s", "30m", "24h" or "7d" given to `flag`. A unit is required: a bare
 * number could mean seconds to one reader and milliseconds to another. Only `0` may go
 * without, being the same in every unit.
 */
export function parseDuration(text: string, flag: string): number {
  const trimmed = text.trim();
  if (trimmed === "0") return 0;
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/.exec(trimmed);
  if (match?.[1] && match[2] === undefined) throw new UsageError(`${flag} ${JSON.stringify(text)} has no unit (use e.g. ${FORMS})`);
  if (!match?.[1] || !match[2]) throw new UsageError(`${flag} is not a duration: ${JSON.stringify(text)} (use e.g. ${FORMS})`);
  return Math.round(Number(match[1]) * (UNITS[match[2]] ?? 1));
}
