/** Timing helpers: closed-loop load for a fixed time, and comparisons over alternating runs. */
import { performance } from "node:perf_hooks";

/**
 * What a rate is divided by: elapsed time, or the CPU time this process used (user +
 * system). CPU time hardly moves when other work shares the machine, so it isolates
 * what an operation costs when fsync is not in the way.
 */
export type Clock = "wall" | "cpu";

/**
 * `clients` loops each await `op` back to back until `ms` have passed; returns completed
 * operations per second of `clock`. With clients > 1 the operations are outstanding
 * together, which is what lets group commit put them in one transaction.
 */
export async function closedLoop(clients: number, ms: number, op: (i: number) => unknown, clock: Clock = "wall"): Promise<number> {
  let started = 0;
  let done = 0;
  const cpu = process.cpuUsage();
  const start = performance.now();
  const end = start + ms;
  const client = async () => {
    while (performance.now() < end) {
      await op(started++);
      done++;
    }
  };
  await Promise.all(Array.from({ length: clients }, client));
  if (clock === "wall") return (done / (performance.now() - start)) * 1000;
  const used = process.cpuUsage(cpu);
  return (done / (used.user + used.system)) * 1e6;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  if (sorted.length === 0) return Number.NaN;
  return sorted.length % 2 === 1 ? (sorted[mid] ?? Number.NaN) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

/** The value at percentile `p` of ascending `sorted` values (nearest rank). */
export function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

/**
 * Runs each measurement `runs` times, alternating which goes first so that drift in the
 * machine's load (it is shared) falls on both sides; returns every sample, in run order.
 */
export async function sample<K extends string>(runs: number, measure: Record<K, () => Promise<number>>): Promise<Record<K, number[]>> {
  const keys = Object.keys(measure) as K[];
  const samples = Object.fromEntries(keys.map((k) => [k, [] as number[]])) as Record<K, number[]>;
  for (let run = 0; run < runs; run++) {
    const order = run % 2 === 0 ? keys : [...keys].reverse();
    for (const key of order) samples[key].push(await measure[key]());
  }
  return samples;
}

/**
 * Medians of two sides and the median of their per-run ratios. Samples of one run were
 * taken next to each other, so a ratio per run cancels slow changes in the machine's
 * load that a ratio of the two medians would not.
 */
export function compare(verso: readonly number[], baseline: readonly number[]): { verso: number; baseline: number; ratio: number } {
  const ratios = verso.map((v, i) => v / (baseline[i] ?? Number.NaN));
  return { verso: median(verso), baseline: median(baseline), ratio: median(ratios) };
}

/** Samples a verso side and a baseline side and compares them. */
export async function versus(
  runs: number,
  verso: () => Promise<number>,
  baseline: () => Promise<number>,
): Promise<{ verso: number; baseline: number; ratio: number }> {
  const samples = await sample(runs, { verso, baseline });
  return compare(samples.verso, samples.baseline);
}
