/**
 * The request counter and histogram kept as plain counts expose exactly what
 * prom-client's own Counter and Histogram expose for the same observations: same lines,
 * same order, same values.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { Counter, Histogram, Registry } from "prom-client";
import { RequestMetrics } from "../../src/server/request-metrics.js";

const BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const COUNTER = { name: "t_requests_total", help: "requests" };
const HISTOGRAM = { name: "t_request_duration_seconds", help: "time, with a \\ and a\nnewline", buckets: BUCKETS };

const observation = fc.record({
  method: fc.constantFrom("GET", "PUT", "POST", "DELETE"),
  route: fc.oneof(fc.constantFrom("/v1/regions/:region", "unmatched"), fc.string({ maxLength: 12 })),
  status: fc.constantFrom(200, 304, 400, 404, 409, 500, 507),
  // Bounds themselves included: a bucket counts what is at or below its bound.
  seconds: fc.oneof(fc.constantFrom(...BUCKETS, 0, 60), fc.double({ min: 0, max: 40, noNaN: true })),
});

type Observation = { method: string; route: string; status: number; seconds: number };

function reference(observations: readonly Observation[]): Registry {
  const registry = new Registry();
  const labelNames = ["method", "route", "status"] as const;
  const counter = new Counter({ ...COUNTER, labelNames, registers: [registry] });
  const histogram = new Histogram({ ...HISTOGRAM, labelNames, buckets: [...BUCKETS], registers: [registry] });
  for (const { method, route, status, seconds } of observations) {
    const labels = { method, route, status: String(status) };
    counter.inc(labels);
    histogram.observe(labels, seconds);
  }
  return registry;
}

describe("request metrics as plain counts", () => {
  it("expose what prom-client's Counter and Histogram expose", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(observation, { maxLength: 60 }), async (observations) => {
        const registry = new Registry();
        const metrics = new RequestMetrics(registry, { counter: COUNTER, histogram: HISTOGRAM });
        for (const { method, route, status, seconds } of observations) metrics.observe(method, route, status, seconds);
        assert.equal(await registry.metrics(), await reference(observations).metrics());
      }),
      { numRuns: 200 },
    );
  });

  it("start again from nothing when the registry is reset", async () => {
    const registry = new Registry();
    const metrics = new RequestMetrics(registry, { counter: COUNTER, histogram: HISTOGRAM });
    metrics.observe("GET", "/a", 200, 0.01);
    registry.resetMetrics();
    assert.equal(await registry.metrics(), await reference([]).metrics());
  });
});
