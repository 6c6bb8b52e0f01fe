/**
 * PostgreSQL for tests: the database comes from VERSO_TEST_DATABASE_URL (default: the
 * local server), and each test file works in a schema of its own, dropped afterwards.
 * An unreachable server fails the tests; only VERSO_SKIP_POSTGRES=1 skips them.
 */
import { randomBytes } from "node:crypto";
import pg from "pg";
import type { WriteResult } from "../../src/model/write-outcome.js";
import { PostgresStorage, type PostgresStorageOptions } from "../../src/storage/postgres/postgres-storage.js";

export const PG_URL = process.env.VERSO_TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";

/** For `describe(name, { skip: SKIP_POSTGRES }, ...)`. */
export const SKIP_POSTGRES: string | false = process.env.VERSO_SKIP_POSTGRES === "1" ? "VERSO_SKIP_POSTGRES=1" : false;

export function randomSchema(prefix = "verso_test"): string {
  return `${prefix}_${randomBytes(6).toString("hex")}`;
}

export function openPg(schema: string, options: Partial<PostgresStorageOptions> = {}): Promise<PostgresStorage> {
  return PostgresStorage.open({ connectionString: PG_URL, schema, poolSize: 4, ...options });
}

/** Runs SQL on a connection of its own (outside verso). */
export async function adminQuery<R extends pg.QueryResultRow = pg.QueryResultRow>(text: string, values: unknown[] = []): Promise<R[]> {
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  try {
    return (await client.query<R>(text, values)).rows;
  } finally {
    await client.end();
  }
}

export async function dropSchema(schema: string): Promise<void> {
  await adminQuery(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
}

/** A storage in a fresh schema that is dropped when the storage closes: for suites that open many (conformance). */
export async function openThrowawayPg(options: Partial<PostgresStorageOptions> = {}): Promise<PostgresStorage> {
  const schema = randomSchema();
  const storage = await openPg(schema, options);
  const close = storage.close.bind(storage);
  storage.close = async () => {
    await close();
    await dropSchema(schema);
  };
  return storage;
}

/** The result of a command that must have run (not failed with an Error). */
export function ok(result: WriteResult | Error | undefined): WriteResult {
  if (result === undefined || result instanceof Error) throw result ?? new Error("no result");
  return result;
}

/** The version a command that must have committed took. */
export function versionOf(result: WriteResult | Error | undefined): number {
  const { outcome } = ok(result);
  if (outcome.status !== "committed") throw new Error(`not committed: ${JSON.stringify(outcome)}`);
  return outcome.version;
}
