/**
 * The server's record of its agents. Reports are held in memory and written to storage
 * in one batch per flush interval (latest report per agent wins), so an agent reporting
 * costs no statement of its own and never touches the write path; listing merges what
 * is not yet flushed. With PostgreSQL every node flushes into the same table and so
 * answers for every agent.
 */
import type { AgentInfo } from "../protocol/agents.js";
import type { AgentStorage, StoredAgent } from "../storage/agent-storage.js";
import { type AgentThresholds, agentStatus, DEFAULT_AGENT_THRESHOLDS } from "./agent-status.js";

export interface AgentRegistryOptions extends Partial<AgentThresholds> {
  /** How often pending reports are written. Default 1 s. */
  flushMs?: number;
  now?: () => number;
  log?: (line: string) => void;
}

export interface RegistrySource {
  /** Where reports are kept; undefined keeps them in this process only. */
  agents: AgentStorage | undefined;
  /** Every region's head. */
  heads(): Promise<Map<string, number>>;
}

export class AgentRegistry {
  private pending = new Map<string, StoredAgent>();
  private readonly storage: AgentStorage;
  private readonly limits: AgentThresholds;
  private readonly flushMs: number;
  private readonly now: () => number;
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly source: RegistrySource,
    private readonly options: AgentRegistryOptions = {},
  ) {
    this.storage = source.agents ?? new MemoryAgentStorage();
    this.limits = {
      staleAfterMs: options.staleAfterMs ?? DEFAULT_AGENT_THRESHOLDS.staleAfterMs,
      behindAfterMs: options.behindAfterMs ?? DEFAULT_AGENT_THRESHOLDS.behindAfterMs,
    };
    this.flushMs = options.flushMs ?? 1_000;
    this.now = options.now ?? Date.now;
  }

  get thresholds(): AgentThresholds {
    return this.limits;
  }

  start(): void {
    this.timer ??= setInterval(() => void this.flush(), this.flushMs);
    this.timer.unref();
  }

  /** Stops the timer and writes what is pending. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.flush();
  }

  report(agent: StoredAgent): void {
    this.pending.set(keyOf(agent), agent);
  }

  /** Writes pending reports in one batch; a failed batch is kept for the next flush. */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(async () => {
      if (this.pending.size === 0) return;
      const batch = this.pending;
      this.pending = new Map();
      try {
        await this.storage.record([...batch.values()]);
      } catch (error) {
        this.options.log?.(`agent reports not stored, retrying at the next flush: ${(error as Error).message}`);
        for (const [key, agent] of batch) if (!this.pending.has(key)) this.pending.set(key, agent);
      }
    });
    return this.flushing;
  }

  /** Every known agent with its lag and state, ordered by region and id. */
  async list(): Promise<AgentInfo[]> {
    const [stored, heads] = await Promise.all([this.storage.list(), this.source.heads()]);
    const agents = new Map(stored.map((agent) => [keyOf(agent), agent]));
    for (const [key, agent] of this.pending) {
      const known = agents.get(key);
      if (!known || known.lastSeen <= agent.lastSeen) agents.set(key, agent);
    }
    const now = this.now();
    // Agents at the same position share one lookup of the change they lack.
    const times = new Map<string, Promise<number | undefined>>();
    const changeTime = (region: string, applied: number) => {
      const key = `${region}\u0000${applied}`;
      let time = times.get(key);
      if (!time) {
        time = this.storage.changeTime(region, applied);
        times.set(key, time);
      }
      return time;
    };
    const listed = await Promise.all(
      [...agents.values()].map(async (agent) => {
        const head = heads.get(agent.region) ?? 0;
        const time = head > agent.applied ? await changeTime(agent.region, agent.applied) : undefined;
        return agentStatus(agent, head, time, now, this.limits);
      }),
    );
    return listed.sort((a, b) => (a.region === b.region ? compare(a.id, b.id) : compare(a.region, b.region)));
  }

  /** Forgets an agent in every region; false when it was not known. */
  async forget(id: string): Promise<boolean> {
    let found = false;
    for (const [key, agent] of this.pending) {
      if (agent.id === id) {
        this.pending.delete(key);
        found = true;
      }
    }
    await this.flushing;
    return (await this.storage.forget(id)) > 0 || found;
  }
}

function keyOf(agent: { region: string; id: string }): string {
  return `${agent.region}\u0000${agent.id}`;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** For a backend that keeps no reports: this process remembers them, without change times. */
class MemoryAgentStorage implements AgentStorage {
  private readonly agents = new Map<string, StoredAgent>();

  async record(reports: readonly StoredAgent[]): Promise<void> {
    for (const agent of reports) {
      const known = this.agents.get(keyOf(agent));
      if (!known || known.lastSeen <= agent.lastSeen) this.agents.set(keyOf(agent), agent);
    }
  }

  async list(): Promise<StoredAgent[]> {
    return [...this.agents.values()];
  }

  async forget(id: string): Promise<number> {
    let count = 0;
    for (const [key, agent] of this.agents) if (agent.id === id && this.agents.delete(key)) count++;
    return count;
  }

  async changeTime(): Promise<number | undefined> {
    return undefined;
  }
}
