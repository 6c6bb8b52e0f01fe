/**
 * Background upkeep: expired idempotency records are swept, and tombstones older than
 * the retention age are compacted away (raising the floor, so agents whose cursor is
 * older get a reset instead of a silent gap).
 */
import type { CompactResult } from "../protocol/types.js";

/** What upkeep works on: the backend's sweeps, and compaction through the store's own write path. */
export interface UpkeepTarget {
  sweepIdempotency(before: number): Promise<number>;
  tombstoneHorizons(before: number): Promise<Array<{ region: string; version: number }>>;
  compact(region: string, beforeVersion: number): Promise<CompactResult>;
}

export interface MaintenanceOptions {
  /** How long an Idempotency-Key replays its first response. Default 24 h. */
  idempotencyRetentionMs: number;
  /** Tombstones older than this are purged; 0 keeps them forever. Default 7 days. */
  tombstoneRetentionMs: number;
  /** How often upkeep runs; 0 disables the timer (runOnce still works). Default 60 s. */
  maintenanceIntervalMs: number;
  now: () => number;
  log: (line: string) => void;
}

export const DEFAULT_IDEMPOTENCY_RETENTION_MS = 24 * 3600_000;
export const DEFAULT_TOMBSTONE_RETENTION_MS = 7 * 24 * 3600_000;

export class Maintenance {
  private readonly options: MaintenanceOptions;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;

  constructor(
    private readonly target: UpkeepTarget,
    options: Partial<MaintenanceOptions>,
  ) {
    this.options = {
      idempotencyRetentionMs: options.idempotencyRetentionMs ?? DEFAULT_IDEMPOTENCY_RETENTION_MS,
      tombstoneRetentionMs: options.tombstoneRetentionMs ?? DEFAULT_TOMBSTONE_RETENTION_MS,
      maintenanceIntervalMs: options.maintenanceIntervalMs ?? 60_000,
      now: options.now ?? Date.now,
      log: options.log ?? (() => {}),
    };
  }

  /** Starts the timer, unless the interval is 0 (then only runOnce runs upkeep). */
  start(): void {
    if (this.stopped || this.timer || this.options.maintenanceIntervalMs <= 0) return;
    this.timer = setInterval(() => void this.runOnce(), this.options.maintenanceIntervalMs);
    this.timer.unref();
  }

  runOnce(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    this.running ??= this.run().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async run(): Promise<void> {
    const { now, log } = this.options;
    try {
      const swept = await this.target.sweepIdempotency(now() - this.options.idempotencyRetentionMs);
      if (swept > 0) log(`swept ${swept} expired idempotency record(s)`);
      if (this.options.tombstoneRetentionMs <= 0 || this.stopped) return;
      const horizons = await this.target.tombstoneHorizons(now() - this.options.tombstoneRetentionMs);
      for (const { region, version } of horizons) {
        // A closing store takes no new writes: the rest waits for the next start.
        if (this.stopped) return;
        const result = await this.target.compact(region, version + 1);
        log(`region ${region}: purged tombstones older than retention, ${JSON.stringify(result)}`);
      }
    } catch (error) {
      log(`maintenance failed: ${(error as Error).message}`);
    }
  }

  /** Stops the timer and resolves once a run in progress has finished, so storage can close under none. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.running;
  }
}
