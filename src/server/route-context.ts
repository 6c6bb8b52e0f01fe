import type { AgentRegistry } from "../core/agent-registry.js";
import type { VersoStore } from "../core/store.js";
import type { StoreInternals } from "../core/store-internals.js";
import type { TokenStorage } from "../storage/token-storage.js";
import type { Auth } from "./auth.js";
import type { ServerMetrics } from "./metrics.js";
import type { StorageHealth } from "./storage-health.js";

/** What every group of routes is given by the app that installs it. */
export interface RouteContext {
  store: VersoStore;
  /** The store's raw reads, command execution and head notifier. */
  internals: StoreInternals;
  /** Fires when the server begins to stop: waits end, so closing does not wait on them. */
  stopping: AbortSignal;
  maxRequestBytes: number;
  log: (line: string) => void;
  auth: Auth;
  tokens: TokenStorage | undefined;
  now: () => number;
  heartbeatMs: number;
  watchBufferBytes: number;
  /** Storage failures requests met, for /healthz. */
  storageHealth: StorageHealth;
  /** Agents' status reports, batched into storage. */
  agents: AgentRegistry;
  metrics: ServerMetrics;
}
