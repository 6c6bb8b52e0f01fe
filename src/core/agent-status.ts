/**
 * An agent's state, decided from its last report, its region's head and when the oldest
 * change it lacks was written. Pure, so the thresholds can be tested without a clock.
 */
import type { AgentInfo, AgentState } from "../protocol/agents.js";
import type { StoredAgent } from "../storage/agent-storage.js";

export interface AgentThresholds {
  /** Silence after which an agent is stale. Default 60 s. */
  staleAfterMs: number;
  /** Age of the oldest lacked change past which a reporting agent is behind. Default 5 s. */
  behindAfterMs: number;
}

export const DEFAULT_AGENT_THRESHOLDS: AgentThresholds = { staleAfterMs: 60_000, behindAfterMs: 5_000 };

/**
 * `changeTime` is when the oldest row change above `applied` was written, undefined when
 * there is none (the versions it lacks changed no row): then only versions are lagged.
 */
export function agentStatus(
  agent: StoredAgent,
  head: number,
  changeTime: number | undefined,
  now: number,
  limits: AgentThresholds,
): AgentInfo {
  const lagVersions = Math.max(0, head - agent.applied);
  const lagMs = lagVersions === 0 || changeTime === undefined ? 0 : Math.max(0, now - changeTime);
  let state: AgentState = "live";
  if (now - agent.lastSeen > limits.staleAfterMs) state = "stale";
  else if (lagVersions > 0 && lagMs >= limits.behindAfterMs) state = "behind";
  return {
    id: agent.id,
    name: agent.name,
    region: agent.region,
    tokenName: agent.tokenName,
    transport: agent.transport,
    applied: agent.applied,
    handled: agent.handled,
    head,
    lagVersions,
    lagSeconds: Math.round(lagMs) / 1000,
    lastSeen: new Date(agent.lastSeen).toISOString(),
    state,
  };
}
