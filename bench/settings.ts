/** How long and how often each suite measures; --quick shrinks everything for a smoke run. */

export interface Settings {
  quick: boolean;
  /** Measurements per HTTP and feed figure; the median is reported. */
  runs: number;
  /**
   * In-process figures take more, shorter measurements: a stall of the shared disk then
   * spoils a few samples on either side instead of one side's whole figure.
   */
  inProcessRuns: number;
  inProcessMs: number;
  /** Length of one wrk measurement, and of the warm-up before it. */
  httpSeconds: number;
  httpWarmupSeconds: number;
  httpConnections: number;
  /** Rows in the change feed that the feed suite reads. */
  feedRows: number;
}

export function settingsFor(quick: boolean, runs?: number): Settings {
  return quick
    ? {
        quick,
        runs: runs ?? 1,
        inProcessRuns: runs ?? 1,
        inProcessMs: 300,
        httpSeconds: 1,
        httpWarmupSeconds: 0.5,
        httpConnections: 32,
        feedRows: 20_000,
      }
    : {
        quick,
        runs: runs ?? 3,
        inProcessRuns: (runs ?? 3) * 3,
        inProcessMs: 200,
        httpSeconds: 2,
        httpWarmupSeconds: 0.5,
        httpConnections: 32,
        feedRows: 200_000,
      };
}
