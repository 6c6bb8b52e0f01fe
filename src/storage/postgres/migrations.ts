/**
 * verso's PostgreSQL schema, as an upgrade chain. The table `schema_version` records
 * every step applied; opening applies the missing steps in one transaction (DDL is
 * transactional in PostgreSQL), under an advisory lock so that nodes starting together
 * migrate once. A schema written by a newer verso is refused rather than misread.
 */
import type pg from "pg";
import { checkSchemaName, quoted } from "./schema-name.js";

export interface PgMigration {
  /** The schema version this step produces. */
  version: number;
  description: string;
  /** SQL for this step; `s` is the quoted schema name. */
  sql: (s: string) => string;
}

export const PG_MIGRATIONS: readonly PgMigration[] = [
  {
    version: 1,
    description: "regions with counter, epoch and floor; rows with versions and tombstones; idempotency records",
    // Names are compared and ordered bytewise (COLLATE "C"), as SQLite does, so the
    // feed and key listings come out in the same order on both backends.
    sql: (s) => `
      CREATE TABLE ${s}.regions (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        name text COLLATE "C" NOT NULL UNIQUE,
        epoch text NOT NULL,
        version bigint NOT NULL,
        floor bigint NOT NULL DEFAULT 0,
        created_at bigint NOT NULL
      );
      CREATE TABLE ${s}.rows (
        region_id bigint NOT NULL REFERENCES ${s}.regions (id),
        collection text COLLATE "C" NOT NULL,
        key text COLLATE "C" NOT NULL,
        version bigint NOT NULL,
        deleted boolean NOT NULL DEFAULT false,
        value text,
        updated_at bigint NOT NULL,
        PRIMARY KEY (region_id, collection, key)
      );
      CREATE INDEX rows_by_version ON ${s}.rows (region_id, version, collection, key);
      CREATE INDEX rows_tombstones ON ${s}.rows (region_id, version) WHERE deleted;
      CREATE TABLE ${s}.idempotency (
        key text COLLATE "C" PRIMARY KEY,
        fingerprint text NOT NULL,
        outcome text,
        created_at bigint NOT NULL
      );
      CREATE INDEX idempotency_by_age ON ${s}.idempotency (created_at);
    `,
  },
  {
    version: 2,
    description: "scoped API tokens, stored as a hash of their secret",
    // The secret never reaches the database: `hash` is its SHA-256 (see core/tokens.ts).
    sql: (s) => `
      CREATE TABLE ${s}.tokens (
        id text COLLATE "C" PRIMARY KEY,
        hash text NOT NULL UNIQUE,
        name text,
        role text NOT NULL,
        regions text[] NOT NULL,
        created_at bigint NOT NULL,
        revoked_at bigint
      );
    `,
  },
  {
    version: 3,
    description: "schema versions per collection; each row records the schema version it was written under",
    sql: (s) => `
      CREATE TABLE ${s}.schemas (
        collection text COLLATE "C" NOT NULL,
        version bigint NOT NULL,
        schema text NOT NULL,
        compatibility text NOT NULL,
        created_at bigint NOT NULL,
        PRIMARY KEY (collection, version)
      );
      ALTER TABLE ${s}.rows ADD COLUMN schema_version bigint;
    `,
  },
  {
    version: 4,
    description: "agents' status reports: what each agent of a region has applied and handled, and when it last reported",
    sql: (s) => `
      CREATE TABLE ${s}.agents (
        region text COLLATE "C" NOT NULL,
        id text COLLATE "C" NOT NULL,
        name text,
        token_name text,
        transport text NOT NULL,
        applied bigint NOT NULL,
        handled bigint,
        last_seen bigint NOT NULL,
        PRIMARY KEY (region, id)
      );
      CREATE INDEX agents_by_id ON ${s}.agents (id);
    `,
  },
  {
    version: 5,
    description: "Replicache clients: each client's group and last mutation id, and the region version that last changed it",
    sql: (s) => `
      CREATE TABLE ${s}.replicache_clients (
        region text COLLATE "C" NOT NULL,
        client_id text COLLATE "C" NOT NULL,
        client_group_id text COLLATE "C" NOT NULL,
        last_mutation_id bigint NOT NULL,
        version bigint NOT NULL,
        updated_at bigint NOT NULL,
        PRIMARY KEY (region, client_id)
      );
      CREATE INDEX replicache_clients_by_group ON ${s}.replicache_clients (region, client_group_id, version);
    `,
  },
  {
    version: 6,
    description: "rows record when their current life began and when the previous one ended",
    // As SQLite's step 7: existing rows get their current version for both bounds.
    sql: (s) => `
      ALTER TABLE ${s}.rows ADD COLUMN created_version bigint;
      ALTER TABLE ${s}.rows ADD COLUMN prior_end_version bigint;
      UPDATE ${s}.rows SET created_version = version, prior_end_version = version;
      ALTER TABLE ${s}.rows ALTER COLUMN created_version SET NOT NULL;
    `,
  },
];

export const PG_SCHEMA_VERSION = PG_MIGRATIONS.length;

export class PgSchemaTooNewError extends Error {
  constructor(schema: string, found: number, known: number) {
    super(
      `PostgreSQL schema "${schema}" is at version ${found}, newer than this verso understands (${known}); ` +
        "upgrade verso or point it at another schema",
    );
    this.name = "PgSchemaTooNewError";
  }
}

/** Brings `schema` to the last version of `migrations`; returns the version it found. */
export async function migrate(
  client: pg.ClientBase,
  schema: string,
  migrations: readonly PgMigration[] = PG_MIGRATIONS,
  onStep?: (step: { version: number; description: string }) => void,
): Promise<number> {
  const s = quoted(schema);
  const target = migrations.length;
  await client.query("BEGIN");
  try {
    // Transaction-scoped: released by COMMIT or ROLLBACK, even if this process dies.
    await client.query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", [`verso.migrate.${checkSchemaName(schema)}`]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${s}`);
    await client.query(`CREATE TABLE IF NOT EXISTS ${s}.schema_version (
      version integer PRIMARY KEY,
      description text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
    const { rows } = await client.query<{ found: number }>(`SELECT coalesce(max(version), 0)::int AS found FROM ${s}.schema_version`);
    const found = rows[0]?.found ?? 0;
    if (found > target) throw new PgSchemaTooNewError(schema, found, target);
    for (const step of migrations.slice(found)) {
      await client.query(step.sql(s));
      await client.query(`INSERT INTO ${s}.schema_version (version, description) VALUES ($1, $2)`, [step.version, step.description]);
    }
    await client.query("COMMIT");
    // Told after the commit: a step rolled back (another node's upgrade, a failure) did not happen.
    for (const { version, description } of migrations.slice(found)) onStep?.({ version, description });
    return found;
  } catch (error) {
    await client.query("ROLLBACK");
    throw error;
  }
}
