/** Paths of HTTP API v1; every name is percent-encoded as a single path segment. */
import { formatSchemaSelection, SCHEMA_HEADER, type SchemaSelection } from "../protocol/schemas.js";

const segment = encodeURIComponent;

export function regionPath(region: string): string {
  return `/v1/regions/${segment(region)}`;
}

export function rowsPath(region: string, collection: string): string {
  return `${regionPath(region)}/collections/${segment(collection)}/rows`;
}

export function rowPath(region: string, collection: string, key: string): string {
  return `${rowsPath(region, collection)}/${segment(key)}`;
}

export function tokenPath(id: string): string {
  return `/v1/tokens/${segment(id)}`;
}

export function schemaPath(collection: string): string {
  return `/v1/schemas/${segment(collection)}`;
}

/** `Verso-Schema` for a selection of schema versions; nothing for none. */
export function schemaHeaders(schemas: SchemaSelection | undefined): Record<string, string> {
  return schemas === undefined || Object.keys(schemas).length === 0 ? {} : { [SCHEMA_HEADER]: formatSchemaSelection(schemas) };
}

export function agentPath(id: string): string {
  return `/v1/agents/${segment(id)}`;
}

export function agentReportPath(region: string, id: string): string {
  return `${regionPath(region)}/agents/${segment(id)}`;
}
