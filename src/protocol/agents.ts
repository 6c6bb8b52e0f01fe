/** Wire types of the fleet API (`/v1/agents`, an agent's status report). Pure data: no I/O lives here. */

/** `live`: reporting and caught up (or lagging less than the behind threshold); `behind`: reporting but lagging; `stale`: silent. */
export type AgentState = "live" | "behind" | "stale";

export const AGENT_STATES: readonly AgentState[] = ["live", "behind", "stale"];

/** What an agent sends, as `PUT /v1/regions/{region}/agents/{id}`. */
export interface AgentReport {
  /** A name chosen by whoever runs the agent (`verso agent --name`). */
  name?: string | null;
  /** Cursor of the rows the agent's readers see: the version it has applied. */
  applied: number;
  /** Version up to which its handler (`--exec`, `onChange`) has finished; null without a handler. */
  handled?: number | null;
  /** How it receives the feed: "watch", "poll" or "custom". */
  transport?: string;
}

/** An agent as `GET /v1/agents` lists it. `lastSeen` is ISO 8601. */
export interface AgentInfo {
  id: string;
  name: string | null;
  region: string;
  /** Name of the token it reported with ("admin" for the admin token, null without auth). */
  tokenName: string | null;
  transport: string;
  applied: number;
  handled: number | null;
  /** The region's head when the list was made. */
  head: number;
  lagVersions: number;
  /** Age of the oldest change the agent lacks (0 when caught up). */
  lagSeconds: number;
  lastSeen: string;
  state: AgentState;
}
