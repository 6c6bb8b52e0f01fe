/**
 * Wire protocol versions. Every version this server can still speak stays listed, so
 * a change to the wire format is an added entry, never an edit in place.
 */
export const PROTOCOL_HISTORY = [
  { version: 1, summary: "HTTP API v1: regions, rows, transactions, change pages, watch, compaction" },
] as const;

export const PROTOCOL_MIN = 1;
export const PROTOCOL_MAX = 1;
export const PROTOCOL_HEADER = "verso-protocol";

export function isSupportedProtocol(raw: string): boolean {
  if (!/^\d{1,6}$/.test(raw)) return false;
  const v = Number(raw);
  return v >= PROTOCOL_MIN && v <= PROTOCOL_MAX;
}
