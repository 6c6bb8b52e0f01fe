/**
 * Wire protocol versions. Every version this server can still speak stays listed, so
 * a change to the wire format is an added entry, never an edit in place.
 */
export const PROTOCOL_HISTORY = [
  { version: 1, summary: "HTTP API v1: regions, rows, transactions, change pages, watch, compaction" },
  {
    version: 2,
    summary: "resumable resets: the reader continues a paginated reset with resetHead, so reset pages stay within limit after compaction",
  },
] as const;

const SPOKEN = PROTOCOL_HISTORY.map((entry) => entry.version);
export const PROTOCOL_MIN = Math.min(...SPOKEN);
export const PROTOCOL_MAX = Math.max(...SPOKEN);
export const PROTOCOL_HEADER = "verso-protocol";

/** The first protocol in which a reader continues paginated resets with `resetHead`. */
export const RESUMABLE_RESET_PROTOCOL = 2;

/** Only the canonical decimal form counts: `01` or `+1` is not a way of writing 1. */
export function isSupportedProtocol(raw: string): boolean {
  if (!/^[1-9]\d{0,5}$/.test(raw)) return false;
  const v = Number(raw);
  return v >= PROTOCOL_MIN && v <= PROTOCOL_MAX;
}
