/**
 * How long the agent waits before trying again, by what failed. Both grow a jittered
 * exponential delay up to a cap (see src/retry/backoff.ts) and start over after a
 * success; they differ in the first retry.
 */
import { backoffDelay } from "../retry/backoff.js";
import { reconnectDelay } from "../retry/reconnect.js";

export interface BackoffSettings {
  /** First delay (ms); doubles per failure in a row, jittered. */
  baseMs: number;
  /** Longest delay (ms). */
  capMs: number;
}

/** Failures in a row, and the delay each one asks for. */
export interface RetryPolicy {
  /** Failures since the last success. */
  readonly failures: number;
  /** Counts a failure; returns the delay (ms) before the next attempt. */
  failed(): number;
  succeeded(): void;
}

/**
 * A connection that failed. The first failure after a working connection reconnects at
 * once (a restarted server, a proxy's idle timeout: the next attempt likely works);
 * further failures in a row wait longer and longer.
 */
export function reconnectPolicy(settings: BackoffSettings): RetryPolicy {
  return counting((failures) => reconnectDelay(failures, settings.baseMs, settings.capMs));
}

/**
 * A change handler that failed. It waits from the first failure: a handler run again at
 * once would most likely fail the same way, and it holds back the feed meanwhile.
 */
export function handlerRetryPolicy(settings: BackoffSettings): RetryPolicy {
  return counting((failures) => backoffDelay(failures, settings.baseMs, settings.capMs));
}

function counting(delayAfter: (failuresBefore: number) => number): RetryPolicy {
  let failures = 0;
  return {
    get failures() {
      return failures;
    },
    failed: () => delayAfter(failures++),
    succeeded: () => {
      failures = 0;
    },
  };
}
