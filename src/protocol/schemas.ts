/** Wire types of typed collections: schema versions per collection and their compatibility modes. */
import type { Json } from "./types.js";

/**
 * Which readers a new version must keep working for, checked against every earlier
 * version: `backward` new readers read old values, `forward` old readers read new
 * values, `full` both and nothing declared is ever removed, `none` nothing checked.
 */
export const COMPATIBILITY_MODES = ["backward", "forward", "full", "none"] as const;
export type Compatibility = (typeof COMPATIBILITY_MODES)[number];
export const DEFAULT_COMPATIBILITY: Compatibility = "full";

/** A JSON Schema (draft 2020-12) as registered: an object at the top. */
export type JsonSchema = { [keyword: string]: Json };

export interface SchemaRegistration {
  schema: JsonSchema;
  compatibility?: Compatibility;
}

export interface RegisteredSchema {
  collection: string;
  version: number;
}

export interface SchemaVersion {
  version: number;
  schema: JsonSchema;
}

export interface CollectionSchemas {
  collection: string;
  compatibility: Compatibility;
  versions: SchemaVersion[];
}

export interface SchemaSummary {
  collection: string;
  compatibility: Compatibility;
  latest: number;
}

/** One broken compatibility rule: `path` is a JSON pointer into the new schema. */
export interface CompatibilityReason {
  path: string;
  rule: string;
  message: string;
}

/** One way a value breaks its collection's schema: `path` is a JSON pointer into the value. */
export interface SchemaViolation {
  path: string;
  message: string;
}

/** Collection → schema version a reader understands (`Verso-Schema: deployments=1`). */
export type SchemaSelection = Readonly<Record<string, number>>;

export const SCHEMA_HEADER = "verso-schema";

export function isCompatibility(value: unknown): value is Compatibility {
  return typeof value === "string" && (COMPATIBILITY_MODES as readonly string[]).includes(value);
}
