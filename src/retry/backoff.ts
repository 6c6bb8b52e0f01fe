/**
 * Jittered exponential backoff, shared by request retries, the agent's reconnects and a
 * node's LISTEN reconnects: jitter keeps many clients or nodes from retrying in step.
 */

/** Delay before retry number `attempt` (0-based): base·2^attempt capped at `capMs`, then jittered into [½, 1]×. */
export function backoffDelay(attempt: number, baseMs: number, capMs: number): number {
  return Math.min(capMs, baseMs * 2 ** Math.min(attempt, 30)) * (0.5 + Math.random() / 2);
}

/** Resolves after `ms`, or early (without error) when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const onAbort = () => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
