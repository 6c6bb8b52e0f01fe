/** The PostgreSQL schema's version table and upgrade chain. */
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import pg from "pg";
import { migrate, PG_MIGRATIONS, PG_SCHEMA_VERSION, type PgMigration, PgSchemaTooNewError } from "../../src/storage/postgres/migrations.js";
import { adminQuery, dropSchema, openPg, PG_URL, randomSchema, SKIP_POSTGRES } from "./pg-env.js";

async function withClient<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

async function versions(schema: string): Promise<number[]> {
  return (await adminQuery<{ version: number }>(`SELECT version FROM "${schema}".schema_version ORDER BY version`)).map((r) => r.version);
}

describe("PostgreSQL schema migrations", { skip: SKIP_POSTGRES }, () => {
  const schemas: string[] = [];
  const fresh = () => {
    const schema = randomSchema("verso_mig");
    schemas.push(schema);
    return schema;
  };
  after(async () => {
    for (const schema of schemas) await dropSchema(schema);
  });

  it("creates the schema at the current version and reopens it unchanged", async () => {
    const schema = fresh();
    const storage = await openPg(schema);
    await storage.close();
    assert.deepEqual(
      await versions(schema),
      PG_MIGRATIONS.map((m) => m.version),
    );
    assert.equal(await withClient((c) => migrate(c, schema)), PG_SCHEMA_VERSION);
    assert.equal((await versions(schema)).length, PG_SCHEMA_VERSION);
  });

  it("migrates once when several nodes open a fresh schema together", async () => {
    const schema = fresh();
    const found = await Promise.all(Array.from({ length: 4 }, () => withClient((c) => migrate(c, schema))));
    assert.deepEqual([...found].sort(), [0, PG_SCHEMA_VERSION, PG_SCHEMA_VERSION, PG_SCHEMA_VERSION]);
    assert.equal((await versions(schema)).length, PG_SCHEMA_VERSION);
  });

  it("upgrades an older schema step by step, keeping its data", async () => {
    const schema = fresh();
    const step2: PgMigration = {
      version: 2,
      description: "a test step",
      sql: (s) => `ALTER TABLE ${s}.regions ADD COLUMN note text NOT NULL DEFAULT 'upgraded'`,
    };
    const v1 = PG_MIGRATIONS.slice(0, 1);
    await withClient((c) => migrate(c, schema, v1));
    await adminQuery(`INSERT INTO "${schema}".regions (name, epoch, version, floor, created_at) VALUES ('r', 'e', 7, 0, 0)`);
    assert.equal(await withClient((c) => migrate(c, schema, [...v1, step2])), 1);
    assert.deepEqual(await versions(schema), [1, 2]);
    const rows = await adminQuery<{ version: number; note: string }>(`SELECT version::int, note FROM "${schema}".regions`);
    assert.deepEqual(rows, [{ version: 7, note: "upgraded" }]);
  });

  it("applies the whole chain or nothing", async () => {
    const schema = fresh();
    const broken: PgMigration = { version: 2, description: "fails", sql: () => "SELECT no_such_function()" };
    await assert.rejects(
      withClient((c) => migrate(c, schema, [...PG_MIGRATIONS.slice(0, 1), broken])),
      /no_such_function/,
    );
    const exists = await adminQuery("SELECT 1 FROM information_schema.schemata WHERE schema_name = $1", [schema]);
    assert.equal(exists.length, 0);
  });

  it("refuses a schema written by a newer verso, changing nothing", async () => {
    const schema = fresh();
    await (await openPg(schema)).close();
    await adminQuery(`INSERT INTO "${schema}".schema_version (version, description) VALUES ($1, 'from the future')`, [
      PG_SCHEMA_VERSION + 1,
    ]);
    await assert.rejects(
      openPg(schema),
      (error: unknown) => error instanceof PgSchemaTooNewError && /newer than this verso/.test(error.message),
    );
    assert.equal((await versions(schema)).length, PG_SCHEMA_VERSION + 1);
  });
});
