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

/**
 * Parses `Verso-Schema: deployments=1, gateways=2` (or the query form
 * `schema=deployments@1,gateways@2`); returns a problem description instead when the
 * text is malformed. A collection named twice must name the same version.
 */
export function parseSchemaSelection(text: string, separator: "=" | "@"): SchemaSelection | string {
  const selection = new Map<string, number>();
  for (const part of text.split(",")) {
    const item = part.trim();
    if (item === "") continue;
    const at = item.lastIndexOf(separator);
    const collection = item.slice(0, at).trim();
    const raw = item.slice(at + 1).trim();
    if (at <= 0 || !/^[1-9]\d{0,8}$/.test(raw))
      return `${JSON.stringify(item)} is not collection${separator}version (version an integer >= 1)`;
    const version = Number(raw);
    if ((selection.get(collection) ?? version) !== version) return `collection ${collection} is named with two versions`;
    selection.set(collection, version);
  }
  // fromEntries defines own properties: a collection named __proto__ stays a key.
  return Object.fromEntries(selection);
}

/** The header form of a selection (what clients send). */
export function formatSchemaSelection(selection: SchemaSelection): string {
  return Object.entries(selection)
    .map(([collection, version]) => `${collection}=${version}`)
    .join(", ");
}

/** One batch of `POST /v1/schemas/{collection}/upgrade` with a region: `next` is where the following one starts. */
export interface UpgradeBatch {
  collection: string;
  region: string;
  to: number;
  rewritten: number;
  next: string | null;
}

/** A whole upgrade (`POST /v1/schemas/{collection}/upgrade` without a region). */
export interface UpgradeResult {
  collection: string;
  to: number;
  regions: number;
  batches: number;
  rewritten: number;
}

/** The dry run of a registration (`POST /v1/schemas/{collection}/check`). */
export interface SchemaCheck {
  collection: string;
  /** The version the schema has (unchanged) or would get. */
  version: number;
  /** The schema equals the latest version: registering it would register nothing. */
  unchanged: boolean;
  compatibility: Compatibility;
  compatible: boolean;
  reasons: CompatibilityReason[];
}
