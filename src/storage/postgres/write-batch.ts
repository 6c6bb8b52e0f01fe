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
import type pg from "pg";
import type { WriteCommand } from "../../model/write-command.js";
import type { WriteResult } from "../../model/write-outcome.js";
import { committedHeads } from "../shared.js";
import { applyCommand, isSingleStatement } from "./apply-command.js";
import { IdempotencyClaims } from "./idempotency-claims.js";
import { type NotifyMode, notifyAfterCommit, notifyInTransaction } from "./notify.js";
import { Pipelined } from "./pipelined.js";
import type { Statements } from "./statements.js";
import { inWriteTransaction, RolledBack } from "./transaction.js";

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

function inTransaction(context: BatchContext, batch: readonly WriteCommand[]): Promise<BatchResult> {
  return inWriteTransaction(
    context.pool,
    (client) => applyBatch(client, context, batch),
    async (client, result) => {
      if (context.notify === "after-commit" && result.heads.size > 0)
        await notifyAfterCommit(client, context.channel, result.heads, context.log);
    },
  );
}

async function applyBatch(client: pg.PoolClient, context: BatchContext, batch: readonly WriteCommand[]): Promise<BatchResult> {
  const { sql } = context;
  const now = context.now();
  const results: Array<WriteResult | undefined> = batch.map(() => undefined);
  const claims = new IdempotencyClaims(batch);
  await claims.claim(client, sql, now);

  const order = batch.map((_, index) => index).sort((a, b) => compareRegions(batch[a]!, batch[b]!) || a - b);
  const pipelined = new Pipelined();
  for (const index of order) {
    const command = batch[index]!;
    if (claims.isDuplicate(index)) continue;
    const replayed = claims.replayed(index);
    if (replayed) {
      results[index] = replayed;
      continue;
    }
    // The server runs statements in the order they were sent, so a single-statement
    // command need not wait for its answer before the next command is sent; a command
    // that reads first (conditions, compaction) waits, and with it everything before it.
    const single = isSingleStatement(command);
    const waitForRoom = single ? pipelined.room() : undefined;
    if (waitForRoom) await waitForRoom;
    const applied = applyCommand(client, sql, command, now).then((outcome) => {
      results[index] = { outcome, replayed: false };
      claims.ran(command, outcome);
    });
    if (single) pipelined.add(applied);
    else await applied;
  }
  await pipelined.settled();
  claims.replayDuplicates(results);

  const finishing = new Pipelined();
  const recording = claims.record(client, sql);
  if (recording) finishing.add(recording);
  const heads = committedHeads(results);
  if (heads.size > 0 && context.notify === "in-transaction") finishing.add(notifyInTransaction(client, sql, context.channel, heads));
  await finishing.settled();
  return { results: results.map((result) => result ?? new Error("command was not applied")), heads };
}

function compareRegions(a: WriteCommand, b: WriteCommand): number {
  return a.region < b.region ? -1 : a.region > b.region ? 1 : 0;
}
