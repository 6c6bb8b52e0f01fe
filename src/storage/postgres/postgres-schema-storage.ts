/**
 * Schema versions in the PostgreSQL schema, shared by every node on it (see
 * PostgresStorage.schemas). The primary key (collection, version) decides a race: of
 * two nodes registering the next version at once, one insert conflicts and reports it.
 */
import type pg from "pg";
import type { SchemaStorage, StoredSchema } from "../schema-storage.js";
import { type SchemaRow, toSchema } from "../shared.js";

const COLUMNS = "collection, version::int AS version, schema, compatibility, created_at::float8 AS created_at";

export class PostgresSchemaStorage implements SchemaStorage {
  private readonly sql;

  constructor(
    private readonly pool: pg.Pool,
    s: string,
  ) {
    this.sql = {
      versions: `SELECT ${COLUMNS} FROM ${s}.schemas WHERE collection = $1 ORDER BY version`,
      latest: `SELECT DISTINCT ON (collection) ${COLUMNS} FROM ${s}.schemas ORDER BY collection, version DESC`,
      // Inserts only the next version: the first one needs no predecessor, the others need theirs.
      insert: `INSERT INTO ${s}.schemas (collection, version, schema, compatibility, created_at)
        SELECT $1::text, $2::bigint, $3::text, $4::text, $5::bigint
        WHERE $2::bigint = 1 OR EXISTS (SELECT 1 FROM ${s}.schemas WHERE collection = $1::text AND version = $2::bigint - 1)
        ON CONFLICT (collection, version) DO NOTHING`,
    };
  }

  async versions(collection: string): Promise<StoredSchema[]> {
    return (await this.pool.query<SchemaRow>(this.sql.versions, [collection])).rows.map(toSchema);
  }

  async latest(): Promise<StoredSchema[]> {
    return (await this.pool.query<SchemaRow>(this.sql.latest)).rows.map(toSchema);
  }

  async insert(schema: StoredSchema): Promise<boolean> {
    const params = [schema.collection, schema.version, schema.schemaJson, schema.compatibility, schema.createdAt];
    return ((await this.pool.query(this.sql.insert, params)).rowCount ?? 0) === 1;
  }
}
