/**
 * Read-your-writes at the edge: a read with `minVersion` waits until the replica has
 * applied that version. The feed loop publishes each applied cursor (`publish`), which
 * wakes the waiters it satisfies, so waiting never polls the file.
 */
import { HeadNotifier } from "../model/head-notifier.js";
import { BadRequestError, ConsistencyTimeoutError } from "../protocol/errors.js";
import { DEFAULT_CONSISTENCY_TIMEOUT_MS, MAX_WAIT_MS } from "../protocol/types.js";

export interface BarrierOptions {
  /** Answer only once the replica has applied this version (e.g. a write's version). */
  minVersion?: number;
  /** How long to wait for `minVersion` (default 5 s, at most 120 s), then ConsistencyTimeoutError. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** setTimeout's longest delay: an unbounded wait is a series of these. */
const LONGEST_TIMER_MS = 2 ** 31 - 1;

export class VersionBarrier {
  private readonly notifier = new HeadNotifier();

  /** `applied` is the version readers see now. */
  constructor(
    private readonly region: string,
    private readonly applied: () => number,
  ) {}

  /** Called by the feed loop after each commit that may have moved the applied version. */
  publish(): void {
    this.notifier.publish(this.region, this.applied());
  }

  /** Waits for `minVersion` if one is given; throws ConsistencyTimeoutError when it is not reached in time. */
  async pass(options: BarrierOptions): Promise<void> {
    if (options.minVersion === undefined) return;
    const minVersion = nonNegative("minVersion", options.minVersion);
    const timeoutMs = Math.min(nonNegative("timeoutMs", options.timeoutMs ?? DEFAULT_CONSISTENCY_TIMEOUT_MS), MAX_WAIT_MS);
    if (await this.notifier.waitFor(this.region, minVersion, timeoutMs, async () => this.applied(), options.signal)) return;
    const version = this.applied();
    throw new ConsistencyTimeoutError(
      `the replica of region ${this.region} is at version ${version}, not yet ${minVersion}, after ${timeoutMs} ms`,
      { minVersion, version },
    );
  }

  /** Resolves true once `version` is applied, false after `timeoutMs` or on abort (a watch's wait between heartbeats). */
  wait(version: number, timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
    return this.notifier.waitFor(this.region, version, timeoutMs, async () => this.applied(), signal);
  }

  /** True once close() was called: waits then return at once. */
  get isClosed(): boolean {
    return this.notifier.isClosed;
  }

  /** Resolves once `version` is applied, however long it takes; rejects when `signal` aborts or the barrier closes. */
  async reach(version: number, signal?: AbortSignal): Promise<void> {
    while (!(await this.notifier.waitFor(this.region, version, LONGEST_TIMER_MS, async () => this.applied(), signal))) {
      signal?.throwIfAborted();
      if (this.notifier.isClosed) throw new Error(`the replica of region ${this.region} was stopped before version ${version}`);
    }
  }

  /** Releases every waiter; later waits answer at once from the applied version. */
  close(): void {
    this.notifier.close();
  }
}

function nonNegative(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 0) throw new BadRequestError(`${name} must be a non-negative integer`);
  return value;
}
