/**
 * The server's Prometheus metrics (prom-client, a registry per app so several apps in
 * one process do not mix). Counters and histograms are updated as things happen (the
 * per-request pair as plain counts, request-metrics.ts); what needs a read (regions,
 * agents, database size) is read once per scrape, never on the request path.
 */
import { Counter, Gauge, Histogram, Registry } from "prom-client";
import type { AgentRegistry } from "../core/agent-registry.js";
import type { VersoStore } from "../core/store.js";
import type { StoreInternals } from "../core/store-internals.js";
import { AGENT_STATES, type AgentInfo, type AgentState } from "../protocol/agents.js";
import { RequestMetrics } from "./request-metrics.js";

export interface MetricsSources {
  store: VersoStore;
  internals: StoreInternals;
  agents: AgentRegistry;
}

const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export class ServerMetrics {
  readonly registry = new Registry();
  private readonly requests = new RequestMetrics(this.registry, {
    counter: { name: "verso_http_requests_total", help: "HTTP requests answered, by method, route pattern and status" },
    histogram: {
      name: "verso_http_request_duration_seconds",
      help: "Time from request to response, by method, route pattern and status",
      buckets: LATENCY_BUCKETS,
    },
  });
  readonly commits = new Counter({
    name: "verso_commits_total",
    help: "Storage commits (group-commit batches) written",
    registers: [this.registry],
  });
  readonly commands = new Counter({
    name: "verso_commit_commands_total",
    help: "Write commands committed, summed over batches",
    registers: [this.registry],
  });
  readonly batchSize = new Histogram({
    name: "verso_commit_batch_size",
    help: "Write commands per storage commit (group commit)",
    buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512],
    registers: [this.registry],
  });
  readonly commitSeconds = new Histogram({
    name: "verso_commit_duration_seconds",
    help: "Time storage took to commit a batch, fsync included",
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  readonly feedPages = new Counter({
    name: "verso_feed_pages_total",
    help: "Change-feed pages served, by transport (changes = long-poll or plain reads, watch = SSE, shape = Electric shapes)",
    labelNames: ["transport"] as const,
    registers: [this.registry],
  });
  readonly feedOps = new Counter({
    name: "verso_feed_ops_total",
    help: "Ops in the change-feed pages served, by transport",
    labelNames: ["transport"] as const,
    registers: [this.registry],
  });
  readonly watchers = new Gauge({
    name: "verso_watchers",
    help: "Watch streams open now",
    registers: [this.registry],
  });
  readonly watchersCutOff = new Counter({
    name: "verso_watchers_cut_off_total",
    help: "Watch streams cut off because their consumer fell too far behind",
    registers: [this.registry],
  });
  readonly replays = new Counter({
    name: "verso_idempotency_replays_total",
    help: "Writes answered with a stored first answer (Idempotency-Key replays)",
    registers: [this.registry],
  });
  readonly storageErrors = new Counter({
    name: "verso_storage_errors_total",
    help: "Requests that failed with 500 internal: storage failures and unexpected errors",
    registers: [this.registry],
  });
  private readonly regionHead = this.regionGauge("verso_region_head", "The region's head (its latest version)");
  private readonly regionFloor = this.regionGauge("verso_region_floor", "The region's floor (tombstones at or below it are purged)");
  readonly regionVersions = new Counter({
    name: "verso_region_versions_total",
    help: "Versions committed in the region since this node started, as this node saw them; its rate is the write rate",
    labelNames: ["region"] as const,
    registers: [this.registry],
  });
  private readonly lagMax = this.regionGauge(
    "verso_agent_lag_seconds_max",
    "The largest agent lag in the region (age of the oldest lacked change)",
  );
  private readonly lagP99 = this.regionGauge("verso_agent_lag_seconds_p99", "The 99th percentile of agent lags in the region");
  private readonly lagVersionsMax = this.regionGauge("verso_agent_lag_versions_max", "The largest agent lag in the region, in versions");
  private readonly agentsByState = new Gauge({
    name: "verso_agents",
    help: "Agents known to the server, by region and state",
    labelNames: ["region", "state"] as const,
    registers: [this.registry],
  });
  private readonly databaseBytes = new Gauge({
    name: "verso_database_size_bytes",
    help: "Bytes verso's data takes in its database",
    registers: [this.registry],
  });
  private readonly release: () => void;
  private readonly lastHead = new Map<string, number>();

  constructor(private readonly sources: MetricsSources) {
    const stopBatches = sources.internals.observeBatches((size, seconds) => {
      this.commits.inc();
      this.commands.inc(size);
      this.batchSize.observe(size);
      this.commitSeconds.observe(seconds);
    });
    const stopCommits = sources.internals.storage.onCommit((region, head) => {
      const last = this.lastHead.get(region);
      this.lastHead.set(region, head);
      if (last !== undefined && head > last) this.regionVersions.inc({ region }, head - last);
      else if (last === undefined) this.regionVersions.inc({ region }, 0);
    });
    this.release = () => {
      stopBatches();
      stopCommits();
    };
  }

  /** One answered request; `route` is the route's pattern, never the raw path, so the label sets stay few. */
  observeRequest(method: string, route: string, status: number, seconds: number): void {
    this.requests.observe(method, route, status, seconds);
  }

  /** The text exposition, after reading what is read per scrape. */
  async text(): Promise<string> {
    await this.refresh();
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  close(): void {
    this.release();
  }

  private async refresh(): Promise<void> {
    const [regions, agents, bytes] = await Promise.all([
      this.sources.store.regions(),
      this.sources.agents.list(),
      this.sources.internals.storage.sizeBytes?.(),
    ]);
    for (const gauge of [this.regionHead, this.regionFloor, this.lagMax, this.lagP99, this.lagVersionsMax]) gauge.reset();
    this.agentsByState.reset();
    for (const r of regions) {
      this.regionHead.set({ region: r.region }, r.version);
      this.regionFloor.set({ region: r.region }, r.floor);
    }
    // One pass over the agents (a scrape runs on the event loop, and fleets are large).
    const byRegion = new Map<string, AgentInfo[]>();
    for (const agent of agents) {
      const list = byRegion.get(agent.region);
      if (list) list.push(agent);
      else byRegion.set(agent.region, [agent]);
    }
    for (const [region, list] of byRegion) {
      const lags = new Float64Array(list.length);
      let lagVersionsMax = 0;
      const counts = new Map<AgentState, number>(AGENT_STATES.map((state) => [state, 0]));
      list.forEach((agent, i) => {
        lags[i] = agent.lagSeconds;
        lagVersionsMax = Math.max(lagVersionsMax, agent.lagVersions);
        counts.set(agent.state, (counts.get(agent.state) ?? 0) + 1);
      });
      lags.sort();
      this.lagMax.set({ region }, lags[lags.length - 1] ?? 0);
      this.lagP99.set({ region }, lags[Math.max(0, Math.ceil(0.99 * lags.length) - 1)] ?? 0);
      this.lagVersionsMax.set({ region }, lagVersionsMax);
      for (const [state, count] of counts) this.agentsByState.set({ region, state }, count);
    }
    if (bytes !== undefined) this.databaseBytes.set(bytes);
  }

  private regionGauge(name: string, help: string): Gauge<"region"> {
    return new Gauge({ name, help, labelNames: ["region"] as const, registers: [this.registry] });
  }
}

/**
 * The exposition without the series of regions the caller may not read: every line
 * with a `region` label outside `readable` goes (HELP and TYPE lines stay).
 */
export function onlyRegions(text: string, readable: (region: string) => boolean): string {
  return text
    .split("\n")
    .filter((line) => {
      const match = /[{,]region="((?:[^"\\]|\\.)*)"/.exec(line);
      return match?.[1] === undefined || line.startsWith("#") || readable(match[1]);
    })
    .join("\n");
}
