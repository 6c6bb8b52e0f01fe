/**
 * How a commit is announced to every node: a NOTIFY of `[region, head]` on the schema's
 * channel, heard by each node's NotificationListener.
 */
import pg from "pg";
import type { Statements } from "./statements.js";

/**
 * "in-transaction": NOTIFY is part of the write transaction, so a notification exists
 * if and only if the commit does. PostgreSQL serializes the commits of notifying
 * transactions (one lock, held through the commit's WAL flush), which group commit
 * amortizes. "after-commit": a separate, asynchronously committed NOTIFY follows the
 * commit; commits run in parallel, but a node dying between the two leaves other
 * nodes' waiters asleep until their timeout.
 */
export type NotifyMode = "in-transaction" | "after-commit";

/** Queues the notifications inside the write transaction: its commit sends them. */
export function notifyInTransaction(client: pg.ClientBase, sql: Statements, channel: string, heads: Map<string, number>) {
  return client.query(sql.notify, [channel, [...heads].map(([region, head]) => notificationPayload(region, head))]);
}

/**
 * One round trip, one tiny transaction that does not wait for its WAL flush: the
 * notification lock is held for microseconds. A failure only delays other nodes'
 * waiters (they re-check at their timeout), so it is logged, not returned.
 */
export async function notifyAfterCommit(
  client: pg.ClientBase,
  channel: string,
  heads: Map<string, number>,
  log: (line: string) => void,
): Promise<void> {
  const quotedChannel = pg.escapeLiteral(channel);
  const notices = [...heads].map(
    ([region, head]) => `SELECT pg_notify(${quotedChannel}, ${pg.escapeLiteral(notificationPayload(region, head))});`,
  );
  try {
    await client.query(`BEGIN; SET LOCAL synchronous_commit TO off; ${notices.join(" ")} COMMIT;`);
  } catch (error) {
    log(`commit notification failed (other nodes wake at their timeout): ${(error as Error).message}`);
  }
}

export function notificationPayload(region: string, head: number): string {
  return JSON.stringify([region, head]);
}

/** A payload sent by notificationPayload, or undefined for anything else on the channel. */
export function parseNotificationPayload(payload: string): { region: string; head: number } | undefined {
  try {
    const value: unknown = JSON.parse(payload);
    if (Array.isArray(value) && typeof value[0] === "string" && Number.isSafeInteger(value[1])) {
      return { region: value[0], head: value[1] as number };
    }
  } catch {}
  return undefined;
}
