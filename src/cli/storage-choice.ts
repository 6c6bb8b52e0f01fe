/**
 * Which store `verso serve` opens, from its flags and variables. SQLite or PostgreSQL,
 * never both: with both given, whichever were picked the other setting would be silently
 * ignored. A mistyped --db must not become a new, empty database in a new folder (agents
 * would then be reset to nothing), so only the default data folder is ever created.
 */
import { existsSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { DEFAULT_DB_PATH } from "../open-store.js";
import { redact } from "../storage/postgres/connect.js";
import { UsageError } from "./usage-error.js";

export type StorageChoice = { kind: "sqlite"; path: string; created: boolean } | { kind: "postgres"; url: string; source: string };

export interface StorageFlags {
  db?: string | undefined;
  postgres?: string | undefined;
}

export function chooseStorage(flags: StorageFlags, env: NodeJS.ProcessEnv): StorageChoice {
  const db = given(flags.db, "--db", env.VERSO_DB, "$VERSO_DB");
  const postgres = given(flags.postgres, "--postgres", env.VERSO_DATABASE_URL, "$VERSO_DATABASE_URL");
  if (db && postgres) {
    throw new UsageError(
      `${db.source} ${db.value} and ${postgres.source} ${redact(postgres.value)}: choose one (verso stores in SQLite or in PostgreSQL)`,
    );
  }
  if (postgres) return { kind: "postgres", url: checkPostgresUrl(postgres.value, postgres.source), source: postgres.source };
  const path = db?.value ?? DEFAULT_DB_PATH;
  if (path === ":memory:") return { kind: "sqlite", path, created: false };
  const folder = dirname(resolve(path));
  if (!existsSync(folder) && folder !== dirname(resolve(DEFAULT_DB_PATH))) {
    throw new UsageError(
      `the folder ${folder} of ${db?.source ?? "--db"} ${path} does not exist: create it first ` +
        `(verso creates only its default folder ${dirname(DEFAULT_DB_PATH)})`,
    );
  }
  return { kind: "sqlite", path, created: !existsSync(path) };
}

/** Why PostgreSQL could not be opened, naming the setting to fix (the driver's own message names neither). */
export function postgresFailure(error: unknown, choice: { url: string; source: string }): Error {
  return new Error(`cannot open PostgreSQL at ${redact(choice.url)} (${describe(error)}); check ${choice.source}`);
}

function given(flag: string | undefined, flagName: string, variable: string | undefined, variableName: string) {
  if (flag !== undefined && flag !== "") return { value: flag, source: flagName };
  if (variable !== undefined && variable !== "") return { value: variable, source: variableName };
  return undefined;
}

function checkPostgresUrl(url: string, source: string): string {
  let protocol: string | undefined;
  try {
    protocol = new URL(url).protocol;
  } catch {
    protocol = undefined;
  }
  if (protocol !== "postgres:" && protocol !== "postgresql:") {
    // The value itself is not repeated: it may hold a password.
    throw new UsageError(`${source} must be a postgres:// URL, e.g. postgres://user:password@host:5432/database`);
  }
  return url;
}

/** Connection failures to a host with several addresses come as an AggregateError with an empty message. */
function describe(error: unknown): string {
  const e = error as { message?: string; code?: string; errors?: unknown[] } | null;
  if (e?.message) return e.message;
  const first = e?.errors?.[0] as { message?: string } | undefined;
  return first?.message ?? e?.code ?? String(error);
}
