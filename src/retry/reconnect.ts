/**
 * When a long-lived reader (the agent, `verso changes --follow`) reconnects after losing
 * its server: at once after a connection that worked, since a restart is the common
 * cause; then with growing, jittered delays, so a server that stays down is not hammered.
 */
import { backoffDelay } from "./backoff.js";

export const RECONNECT_BASE_MS = 200;
export const RECONNECT_CAP_MS = 10_000;

/** Delay before reconnecting after `failures` failed attempts in a row (0: the first failure). */
export function reconnectDelay(failures: number, baseMs = RECONNECT_BASE_MS, capMs = RECONNECT_CAP_MS): number {
  return failures === 0 ? 0 : backoffDelay(failures - 1, baseMs, capMs);
}
