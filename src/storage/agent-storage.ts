/**
 * Where agents' status reports live. Kept apart from Storage, like tokens, so each
 * backend can hold them beside its data with a few statements; with PostgreSQL every
 * node then answers for every agent. Reports arrive in batches (see core/agent-registry.ts),
 * never one statement per report.
 */

export interface StoredAgent {
  region: string;
  id: string;
  name: string | null;
  tokenName: string | null;
  transport: string;
  applied: number;
  handled: number | null;
  /** ms epoch, as the receiving node saw it */
  lastSeen: number;
}

export interface AgentStorage {
  /** Upserts each report in one transaction; an older report never replaces a newer one. */
  record(reports: readonly StoredAgent[]): Promise<void>;
  /** Every agent, ordered by region and id. */
  list(): Promise<StoredAgent[]>;
  /** Forgets an agent in every region; returns how many entries went. */
  forget(id: string): Promise<number>;
  /**
   * When the oldest row change a reader at `applied` lacks was written (ms epoch): the
   * row with the lowest version above `applied`, one index seek. Undefined when no row
   * above it exists (versions taken by next-version change no row and carry no time).
   */
  changeTime(region: string, applied: number): Promise<number | undefined>;
}
