import { MAX_VALUE_DEPTH } from "../protocol/types.js";

/**
 * Whether a value nests arrays and objects deeper than `limit`. Stops descending past
 * the limit, so a value nested far deeper than the stack allows is judged without
 * exhausting it.
 */
export function nestsDeeperThan(value: unknown, limit = MAX_VALUE_DEPTH): boolean {
  if (typeof value !== "object" || value === null) return false;
  if (limit === 0) return true;
  const children = Array.isArray(value) ? value : Object.values(value);
  return children.some((child) => nestsDeeperThan(child, limit - 1));
}
