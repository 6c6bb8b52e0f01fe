/**
 * Group commit on PostgreSQL: a batch of verso commands in one transaction.
 *
 * Lock order. A batch may touch several regions, and batches from other nodes (or
 * other batches in flight on this one) touch them too; taken in arrival order, two
 * batches could each hold a region the other waits for. So every transaction takes
 * its locks in one global order: first its Idempotency-Keys, sorted, then its regions,
 * sorted by name (commands of one region keep their arrival order). Any set of
 * transactions acquiring locks in one total order cannot deadlock.
 *
 * No savepoints. A command whose conditions fail writes nothing (apply-command.ts), so
 * savepoints would only guard against unexpected errors, at two round trips per
 * command and with more than 64 subtransactions in one transaction overflowing
 * PostgreSQL's per-backend subtransaction cache (which slows every snapshot on the
 * server). Instead, when a statement fails, the whole transaction rolls back (nothing
 * of it is visible) and the batch is applied again one command per transaction, so
 * the failing command fails alone.
 */
import pg from "pg";
import { replayOf } from "../../model/idempotency.js";
import type { WriteCommand } from "../../model/write-command.js";
import type { WriteOutcome, WriteResult } from "../../model/write-outcome.js";
import { committedHeads } from "../shared.js";
import { applyCommand, isSingleStatement } from "./apply-command.js";
import { notificationPayload } from "./commit-listener.js";
import { sqlState } from "./connect.js";
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

export interface BatchContext {
  pool: pg.Pool;
  sql: Statements;
  channel: string;
  notify: NotifyMode;
  now: () => number;
  log: (line: string) => void;
}

export interface BatchResult {
  results: Array<WriteResult | Error>;
  /** Per region, the highest version this batch committed. */
  heads: Map<string, number>;
  /** The batch's transaction failed and its commands were applied one by one. */
  retried?: boolean;
}

/** The transaction was rolled back (or never began): running it again is safe. */
class RolledBack extends Error {
  constructor(readonly reason: unknown) {
    super((reason as Error)?.message ?? String(reason));
  }
}

export async function writeBatch(context: BatchContext, batch: readonly WriteCommand[]): Promise<BatchResult> {
  try {
    return await inTransaction(context, batch);
  } catch (error) {
    if (!(error instanceof RolledBack)) return failAll(batch, error);
    if (batch.length === 1) return failAll(batch, error.reason);
  }
  const results: Array<WriteResult | Error> = [];
  const heads = new Map<string, number>();
  for (const command of batch) {
    try {
      const one = await inTransaction(context, [command]);
      const result = one.results[0];
      results.push(result ?? new Error("no result"));
      for (const [region, head] of one.heads) heads.set(region, Math.max(head, heads.get(region) ?? 0));
    } catch (error) {
      results.push(asError(error instanceof RolledBack ? error.reason : error));
    }
  }
  return { results, heads, retried: true };
}

function failAll(batch: readonly WriteCommand[], error: unknown): BatchResult {
  const failure = asError(error);
  return { results: batch.map(() => failure), heads: new Map() };
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

async function inTransaction(context: BatchContext, batch: readonly WriteCommand[]): Promise<BatchResult> {
  let client: pg.PoolClient;
  try {
    client = await context.pool.connect();
  } catch (error) {
    throw new RolledBack(error);
  }
  let broken = false;
  try {
    let result: BatchResult;
    try {
      // Stated, not inherited: apply-command.ts relies on READ COMMITTED (a fresh snapshot per
      // statement, taken after the region lock). Pipelined: BEGIN and the batch's first statement travel together.
      [, result] = await Promise.all([client.query("BEGIN ISOLATION LEVEL READ COMMITTED"), applyBatch(client, context, batch)]);
    } catch (error) {
      await client.query("ROLLBACK").catch(() => {
        broken = true;
      });
      throw new RolledBack(error);
    }
    try {
      await client.query("COMMIT");
      if (context.notify === "after-commit" && result.heads.size > 0) await notifyAfterCommit(client, context, result.heads);
    } catch (error) {
      // The server answered: the commit failed and nothing of it stayed. No answer (the
      // connection broke): it may or may not have committed, so it must not run again.
      const state = sqlState(error);
      broken = true;
      if (state !== undefined && !state.startsWith("08")) throw new RolledBack(error);
      throw error;
    }
    return result;
  } finally {
    client.release(broken);
  }
}

/**
 * One round trip, one tiny transaction that does not wait for its WAL flush: the
 * notification lock is held for microseconds. A failure only delays other nodes'
 * waiters (they re-check at their timeout), so it is logged, not returned.
 */
async function notifyAfterCommit(client: pg.PoolClient, context: BatchContext, heads: Map<string, number>): Promise<void> {
  const channel = pg.escapeLiteral(context.channel);
  const notices = [...heads].map(
    ([region, head]) => `SELECT pg_notify(${channel}, ${pg.escapeLiteral(notificationPayload(region, head))});`,
  );
  try {
    await client.query(`BEGIN; SET LOCAL synchronous_commit TO off; ${notices.join(" ")} COMMIT;`);
  } catch (error) {
    context.log(`commit notification failed (other nodes wake at their timeout): ${(error as Error).message}`);
  }
}

interface Recalled {
  fingerprint: string;
  outcome: string | null;
}

async function applyBatch(client: pg.PoolClient, context: BatchContext, batch: readonly WriteCommand[]): Promise<BatchResult> {
  const { sql } = context;
  const now = context.now();
  const results: Array<WriteResult | undefined> = batch.map(() => undefined);

  // The first command carrying a key claims it; later ones in the batch replay it.
  const claimant = new Map<string, number>();
  batch.forEach((command, i) => {
    const key = command.idempotency?.key;
    if (key !== undefined && !claimant.has(key)) claimant.set(key, i);
  });
  const recalled = await claimKeys(client, sql, batch, claimant, now);

  const order = batch.map((_, i) => i).sort((a, b) => compareRegions(batch[a]!, batch[b]!) || a - b);
  const outcomes = new Map<string, WriteOutcome>();
  const pipelined = new Pipelined();
  for (const i of order) {
    const command = batch[i]!;
    const tag = command.idempotency;
    if (tag && claimant.get(tag.key) !== i) continue;
    const seen = tag && recalled.get(tag.key);
    if (tag && seen) {
      results[i] = replayOf({ fingerprint: seen.fingerprint, outcome: parseOutcome(seen.outcome) }, tag.fingerprint);
      continue;
    }
    // The server runs statements in the order they were sent, so a single-statement
    // command need not wait for its answer before the next command is sent; a command
    // that reads first (conditions, compaction) waits, and with it everything before it.
    const applied = applyCommand(client, sql, command, now).then((outcome) => {
      results[i] = { outcome, replayed: false };
      if (tag) outcomes.set(tag.key, outcome);
    });
    if (isSingleStatement(command)) pipelined.add(applied);
    else await applied;
  }
  await pipelined.settled();
  batch.forEach((command, i) => {
    const tag = command.idempotency;
    if (!tag || results[i]) return;
    const first = batch[claimant.get(tag.key)!]!;
    const seen = recalled.get(tag.key);
    const stored = seen ? parseOutcome(seen.outcome) : outcomes.get(tag.key);
    if (!stored) throw new Error(`no outcome for idempotency key ${tag.key}`);
    results[i] = replayOf({ fingerprint: seen?.fingerprint ?? first.idempotency!.fingerprint, outcome: stored }, tag.fingerprint);
  });

  const finishing = new Pipelined();
  if (outcomes.size > 0) {
    const keys = [...outcomes.keys()];
    finishing.add(client.query(sql.recordOutcomes, [keys, keys.map((k) => JSON.stringify(outcomes.get(k)))]));
  }
  const heads = committedHeads(results);
  if (heads.size > 0 && context.notify === "in-transaction") {
    finishing.add(client.query(sql.notify, [context.channel, [...heads].map(([region, head]) => notificationPayload(region, head))]));
  }
  await finishing.settled();
  return { results: results.map((r) => r ?? new Error("command was not applied")), heads };
}

/**
 * Inserts a placeholder record for every key not yet known, in sorted key order. Keys
 * that already exist (committed by an earlier request, or by a concurrent one this
 * insert waited for) are read back and replayed instead of executed.
 */
async function claimKeys(
  client: pg.PoolClient,
  sql: Statements,
  batch: readonly WriteCommand[],
  claimant: Map<string, number>,
  now: number,
): Promise<Map<string, Recalled>> {
  const recalled = new Map<string, Recalled>();
  if (claimant.size === 0) return recalled;
  const keys = [...claimant.keys()].sort();
  const fingerprints = keys.map((key) => batch[claimant.get(key)!]!.idempotency!.fingerprint);
  const claimed = new Set((await client.query<{ key: string }>(sql.claimKeys, [keys, fingerprints, now])).rows.map((r) => r.key));
  const taken = keys.filter((key) => !claimed.has(key));
  if (taken.length === 0) return recalled;
  const { rows } = await client.query<Recalled & { key: string }>(sql.recallKeys, [taken]);
  for (const row of rows) recalled.set(row.key, row);
  // Swept between the two statements: rolling back and running again claims it afresh.
  if (recalled.size !== taken.length) throw new Error("an idempotency record expired while being read; retrying");
  return recalled;
}

/**
 * Statements sent without waiting for their answers. Every one gets a handler at once
 * (after a failure, the ones behind it fail too, and must not go unhandled); settled()
 * waits for all and throws the first failure.
 */
class Pipelined {
  private readonly all: Array<Promise<void>> = [];
  private failure: { error: unknown } | undefined;

  add(promise: Promise<unknown>): void {
    this.all.push(
      promise.then(
        () => {},
        (error: unknown) => {
          this.failure ??= { error };
        },
      ),
    );
  }

  async settled(): Promise<void> {
    await Promise.all(this.all);
    if (this.failure) throw this.failure.error;
  }
}

function parseOutcome(json: string | null): WriteOutcome {
  if (json === null) throw new Error("idempotency record without outcome");
  return JSON.parse(json) as WriteOutcome;
}

function compareRegions(a: WriteCommand, b: WriteCommand): number {
  return a.region < b.region ? -1 : a.region > b.region ? 1 : 0;
}
