/**
 * The checker's own PostgreSQL conventions. It builds the naive design's tables itself
 * and drops the schemas it created, so it needs neither verso's storage code nor its
 * connections: only a safe schema name and bigint columns read as numbers.
 */
import pg from "pg";

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;
const INT8_OID = 20;

/** The schema as a quoted identifier, ready for SQL text; the name is spliced in, hence the strict shape. */
export function quotedSchema(schema: string): string {
  if (!SCHEMA_NAME.test(schema)) {
    throw new Error(`PostgreSQL schema name must match ${SCHEMA_NAME} (lower case, at most 63 bytes), got ${JSON.stringify(schema)}`);
  }
  return `"${schema}"`;
}

/** Versions are bigint columns holding safe integers, so they are read as numbers, not strings. */
export const BIGINT_AS_NUMBER: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: string) =>
    oid === INT8_OID ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format as "text")) as typeof pg.types.getTypeParser,
};
