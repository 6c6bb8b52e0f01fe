/**
 * A write transaction on one pooled connection, and what its failure means for the
 * caller: whether running it again is safe, and whether the connection may go back to
 * the pool.
 */
import type pg from "pg";
import { sqlState } from "./connect.js";

/** The transaction was rolled back (or never began): running it again is safe. */
export class RolledBack extends Error {
  constructor(readonly reason: unknown) {
    super((reason as Error)?.message ?? String(reason));
  }
}

/**
 * Runs `work` in a READ COMMITTED transaction and commits it; `afterCommit` then runs on
 * the same connection before it goes back to the pool, and must not throw. Throws
 * RolledBack when nothing of the transaction stayed, anything else when that is unknown.
 */
export async function inWriteTransaction<T>(
  pool: pg.Pool,
  work: (client: pg.PoolClient) => Promise<T>,
  afterCommit?: (client: pg.PoolClient, result: T) => Promise<void>,
): Promise<T> {
  let client: pg.PoolClient;
  try {
    client = await pool.connect();
  } catch (error) {
    throw new RolledBack(error);
  }
  let broken = false;
  try {
    let result: T;
    try {
      // Stated, not inherited: apply-command.ts relies on READ COMMITTED (a fresh snapshot per
      // statement, taken after the region lock). Pipelined: BEGIN and the batch's first statement travel together.
      [, result] = await Promise.all([client.query("BEGIN ISOLATION LEVEL READ COMMITTED"), work(client)]);
    } catch (error) {
      broken = !(await rolledBack(client));
      throw new RolledBack(error);
    }
    try {
      await client.query("COMMIT");
      if (afterCommit) await afterCommit(client, result);
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
 * Runs `work` in a REPEATABLE READ read-only transaction: its statements all share one
 * snapshot. Throws what `work` threw.
 */
export async function inSnapshot<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken = false;
  try {
    await client.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
    const result = await work(client);
    await client.query("COMMIT");
    return result;
  } catch (error) {
    broken = !(await rolledBack(client));
    throw error;
  } finally {
    client.release(broken);
  }
}

/** False when even ROLLBACK failed: the connection is broken and must not be reused. */
async function rolledBack(client: pg.PoolClient): Promise<boolean> {
  try {
    await client.query("ROLLBACK");
    return true;
  } catch {
    return false;
  }
}
