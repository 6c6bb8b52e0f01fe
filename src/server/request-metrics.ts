/**
 * The per-request counter and latency histogram, kept as plain counts per (method,
 * route, status) and handed to the prom-client registry when it is scraped, in the
 * shape its own Counter and Histogram hand it, so the exposition is unchanged.
 *
 * prom-client's labelled metrics hash and validate the label object on every update:
 * measured under wrk at 32 connections, the two updates cost about 3 µs per request, a
 * tenth of a whole GET. Here a request costs one string key, one Map lookup and a
 * bucket search; the work of building label objects moves to the scrape.
 */
import type { Metric, Registry } from "prom-client";

interface Series {
  labels: { method: string; route: string; status: string };
  /** Observations per bucket (not cumulative); those above every bound are only in `count`. */
  counts: number[];
  sum: number;
  count: number;
}

type MetricValue = {
  value: number;
  labels: Record<string, string | number>;
  metricName?: string;
  sharedLabels?: Record<string, string>;
};

export interface RequestMetricNames {
  counter: { name: string; help: string };
  histogram: { name: string; help: string; buckets: readonly number[] };
}

export class RequestMetrics {
  private readonly series = new Map<string, Series>();
  private readonly buckets: readonly number[];

  constructor(registry: Registry, names: RequestMetricNames) {
    this.buckets = names.histogram.buckets;
    const all = () => [...this.series.values()];
    const reset = () => this.series.clear();
    register(registry, names.counter.name, names.counter.help, "counter", reset, () =>
      all().map((s): MetricValue => ({ value: s.count, labels: s.labels })),
    );
    const { name } = names.histogram;
    register(registry, name, names.histogram.help, "histogram", reset, () =>
      all().flatMap((s): MetricValue[] => {
        let cumulative = 0;
        const buckets = this.buckets.map((le, i): MetricValue => {
          cumulative += s.counts[i] ?? 0;
          return { value: cumulative, labels: { le }, metricName: `${name}_bucket`, sharedLabels: s.labels };
        });
        return [
          ...buckets,
          { value: s.count, labels: { le: "+Inf" }, metricName: `${name}_bucket`, sharedLabels: s.labels },
          { value: s.sum, labels: {}, metricName: `${name}_sum`, sharedLabels: s.labels },
          { value: s.count, labels: {}, metricName: `${name}_count`, sharedLabels: s.labels },
        ];
      }),
    );
  }

  observe(method: string, route: string, status: number, seconds: number): void {
    const key = `${status} ${method} ${route}`;
    let series = this.series.get(key);
    if (!series) {
      series = { labels: { method, route, status: String(status) }, counts: new Array(this.buckets.length).fill(0), sum: 0, count: 0 };
      this.series.set(key, series);
    }
    let bucket = 0;
    // A bucket counts the observations at or below its bound, as Prometheus's `le` says.
    while (bucket < this.buckets.length && seconds > this.buckets[bucket]!) bucket++;
    if (bucket < this.buckets.length) series.counts[bucket]!++;
    series.sum += seconds;
    series.count++;
  }
}

/**
 * Registers a metric read from plain counts. The registry asks a metric only for its
 * name, `get()` (the values, as prom-client's own metrics give them) and `reset()`,
 * which is all this object has; the cast is to prom-client's wider Metric class.
 */
function register(
  registry: Registry,
  name: string,
  help: string,
  type: "counter" | "histogram",
  reset: () => void,
  values: () => MetricValue[],
): void {
  const metric = {
    name,
    help,
    type,
    aggregator: "sum",
    get: async () => ({ name, help, type, aggregator: "sum", values: values() }),
    reset,
  };
  registry.registerMetric(metric as unknown as Metric);
}
