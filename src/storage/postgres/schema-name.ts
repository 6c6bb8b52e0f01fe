/**
 * verso keeps its tables in a PostgreSQL schema of its own (default "verso"), so one
 * database can host several verso deployments or test runs side by side. The name is
 * spliced into SQL text, hence the strict shape.
 */
export const DEFAULT_SCHEMA = "verso";

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

export function checkSchemaName(name: string): string {
  if (!SCHEMA_NAME.test(name)) {
    throw new Error(`PostgreSQL schema name must match ${SCHEMA_NAME} (lower case, at most 63 bytes), got ${JSON.stringify(name)}`);
  }
  return name;
}

/** The schema as a quoted identifier, ready for SQL text. */
export function quoted(schema: string): string {
  return `"${checkSchemaName(schema)}"`;
}

/** The LISTEN/NOTIFY channel on which the nodes of one schema announce commits. */
export function commitChannel(schema: string): string {
  return `${checkSchemaName(schema)}.commits`;
}
