/**
 * The contract's wire types as JSON Schema (draft 2020-12), for the route schemas and
 * the OpenAPI document built from them. They mirror `src/protocol/*.ts`; the OpenAPI
 * test checks real answers of every route against them.
 */
import { AGENT_STATES } from "../../protocol/agents.js";
import { ERROR_CODES } from "../../protocol/errors.js";
import { COMPATIBILITY_MODES } from "../../protocol/schemas.js";
import { TOKEN_ROLES } from "../../protocol/tokens.js";

export type JsonSchema = { [keyword: string]: unknown };

// Versions and counts are JavaScript safe integers: larger ones are refused, not rounded.
const integer = (description?: string): JsonSchema => ({
  type: "integer",
  minimum: 0,
  maximum: Number.MAX_SAFE_INTEGER,
  ...(description && { description }),
});
const string = (description?: string): JsonSchema => ({ type: "string", ...(description && { description }) });

/** An object whose every listed property is required. */
export function object(properties: Record<string, JsonSchema>, optional: string[] = []): JsonSchema {
  return {
    type: "object",
    properties,
    required: Object.keys(properties).filter((name) => !optional.includes(name)),
    additionalProperties: false,
  };
}

export const JSON_VALUE: JsonSchema = { description: "any JSON value, at most 1 MiB as compact JSON and 100 levels deep" };

export const REGION: JsonSchema = object({
  region: string(),
  epoch: string('identity of this incarnation of the region; "" until its first write'),
  version: integer("the head: the last version taken"),
  floor: integer("cursors below it are reset"),
});

export const CURRENT_ROW: JsonSchema = {
  description: "the row's state when its condition failed; null when absent or deleted",
  oneOf: [object({ version: integer(), value: JSON_VALUE }), { type: "null" }],
};

export const TXN_FAILURE: JsonSchema = object({ index: integer(), collection: string(), key: string(), current: CURRENT_ROW });

const SCHEMA_VIOLATION: JsonSchema = object({ path: string("JSON pointer"), message: string() });
const COMPATIBILITY_REASON: JsonSchema = object({ path: string("JSON pointer into the new schema"), rule: string(), message: string() });

/** `{"error": {"code", "message"}}` plus the fields some codes add (docs/http-api.md, Errors). */
export const ERROR_BODY: JsonSchema = {
  type: "object",
  required: ["error"],
  properties: {
    error: object({ code: { enum: [...ERROR_CODES] }, message: string() }),
    current: CURRENT_ROW,
    failures: { type: "array", items: TXN_FAILURE },
    minVersion: integer(),
    version: integer(),
    supported: object({ min: integer(), max: integer() }),
    reasons: { type: "array", items: COMPATIBILITY_REASON },
    errors: { type: "array", items: SCHEMA_VIOLATION },
    index: integer(),
    collection: string(),
    key: string(),
    schema: { type: ["integer", "null"] },
    to: integer(),
    handle: string("must_refetch: the shape handle to fetch again under (also in electric-handle)"),
  },
  additionalProperties: false,
};

const SCHEMA_AT: JsonSchema = {
  type: "integer",
  minimum: 1,
  description: "the schema version the value is shown at (typed collections only)",
};

export const ROW: JsonSchema = object({ key: string(), version: integer(), schema: SCHEMA_AT, value: JSON_VALUE }, ["schema"]);

export const ROW_LIST: JsonSchema = object({
  rows: { type: "array", items: ROW },
  next: { type: ["string", "null"], description: "the last key of a full page: pass it as after" },
});

export const PUT_RESULT: JsonSchema = object({ region: string(), collection: string(), key: string(), version: integer() });
export const VERSION_RESULT: JsonSchema = object({ version: integer() });
export const NEXT_VERSION_RESULT: JsonSchema = object({ region: string(), version: integer() });
export const COMPACT_RESULT: JsonSchema = object({ floor: integer(), purged: integer() });

const PAGE_OP: JsonSchema = {
  oneOf: [
    object({ op: { const: "clear" } }),
    object({ op: { const: "put" }, collection: string(), key: string(), version: integer(), schema: SCHEMA_AT, value: JSON_VALUE }, [
      "schema",
    ]),
    object({ op: { const: "del" }, collection: string(), key: string(), version: integer() }),
  ],
};

export const PAGE: JsonSchema = object(
  {
    region: string(),
    epoch: string(),
    reset: { type: "boolean", description: "the ops start with clear, then the live rows" },
    ops: { type: "array", items: PAGE_OP },
    cursor: integer("pass it as since for the next page"),
    head: integer(),
    more: { type: "boolean" },
    resetRows: integer("on the first page of a reset: the live rows the whole reset holds"),
  },
  ["resetRows"],
);

const TXN_OP: JsonSchema = {
  oneOf: [
    object({ op: { const: "put" }, collection: string(), key: string(), value: JSON_VALUE, ifVersion: integer("0: must be absent") }, [
      "ifVersion",
    ]),
    object({ op: { const: "delete" }, collection: string(), key: string(), ifVersion: integer() }, ["ifVersion"]),
  ],
};

export const TXN_REQUEST: JsonSchema = object({ ops: { type: "array", items: TXN_OP, minItems: 1, maxItems: 1000 } });

export const COMPACT_REQUEST: JsonSchema = {
  oneOf: [object({ retainVersions: integer() }), object({ beforeVersion: integer() })],
};

const NAME = { type: "string", minLength: 1, maxLength: 200, pattern: "^[^\\x00-\\x1f\\x7f]*$" };

export const TOKEN_REQUEST: JsonSchema = object(
  {
    regions: { type: "array", items: string('a region name, or "*" for all'), minItems: 1 },
    role: { enum: [...TOKEN_ROLES] },
    name: NAME,
  },
  ["name"],
);

const TIME = { type: "string", description: "ISO 8601 time" };

export const TOKEN_INFO: JsonSchema = object({
  id: string(),
  name: { type: ["string", "null"] },
  role: { enum: [...TOKEN_ROLES] },
  regions: { type: "array", items: string() },
  createdAt: TIME,
  revokedAt: { type: ["string", "null"] },
});

export const CREATED_TOKEN: JsonSchema = object({
  ...(TOKEN_INFO.properties as Record<string, JsonSchema>),
  token: string("the secret, shown only once"),
});

const COMPATIBILITY = { enum: [...COMPATIBILITY_MODES] };

export const SCHEMA_REGISTRATION: JsonSchema = object(
  { schema: { type: "object", description: "JSON Schema, draft 2020-12" }, compatibility: COMPATIBILITY },
  ["compatibility"],
);

export const REGISTERED_SCHEMA: JsonSchema = object({ collection: string(), version: integer() });

export const COLLECTION_SCHEMAS: JsonSchema = object({
  collection: string(),
  compatibility: COMPATIBILITY,
  versions: { type: "array", items: object({ version: integer(), schema: { type: "object" } }) },
});

export const SCHEMA_LIST: JsonSchema = object({
  schemas: { type: "array", items: object({ collection: string(), compatibility: COMPATIBILITY, latest: integer() }) },
});

export const SCHEMA_CHECK: JsonSchema = object({
  collection: string(),
  version: integer(),
  unchanged: { type: "boolean" },
  compatibility: COMPATIBILITY,
  compatible: { type: "boolean" },
  reasons: { type: "array", items: COMPATIBILITY_REASON },
});

export const UPGRADE_REQUEST: JsonSchema = object(
  {
    to: { type: "integer", minimum: 1 },
    limit: { type: "integer", minimum: 1, maximum: 1000 },
    region: string("one batch in this region; without it, every batch of every region"),
    after: { type: ["string", "null"] },
  },
  ["limit", "region", "after"],
);

export const UPGRADE_RESULT: JsonSchema = {
  oneOf: [
    object({ collection: string(), to: integer(), regions: integer(), batches: integer(), rewritten: integer() }),
    object({ collection: string(), region: string(), to: integer(), rewritten: integer(), next: { type: ["string", "null"] } }),
  ],
};

export const AGENT_REPORT: JsonSchema = object(
  {
    applied: integer("the cursor of the rows the agent's readers see"),
    handled: { type: ["integer", "null"], minimum: 0 },
    name: { ...NAME, type: ["string", "null"] },
    transport: { type: "string", pattern: "^[a-z][a-z0-9-]{0,31}$" },
  },
  ["handled", "name", "transport"],
);

export const AGENT_LIST: JsonSchema = object({
  agents: {
    type: "array",
    items: object({
      id: string(),
      name: { type: ["string", "null"] },
      region: string(),
      tokenName: { type: ["string", "null"] },
      transport: string(),
      applied: integer(),
      handled: { type: ["integer", "null"] },
      head: integer(),
      lagVersions: { type: "integer", description: "head - applied" },
      lagSeconds: { type: "number", minimum: 0, description: "age of the oldest change the agent lacks" },
      lastSeen: TIME,
      state: { enum: [...AGENT_STATES] },
    }),
  },
});

export const AGENT_FORGOTTEN: JsonSchema = object({ id: string(), forgotten: { const: true } });

const HEALTH_FIELDS = {
  storage: { enum: ["sqlite", "postgres"] },
  protocol: object({ min: integer(), max: integer() }),
};

export const HEALTH: JsonSchema = object({ ok: { const: true }, ...HEALTH_FIELDS });

/** /healthz after a storage failure: the error body with the usual fields beside it. */
export const HEALTH_PROBLEM: JsonSchema = object({
  error: (ERROR_BODY.properties as Record<string, JsonSchema>).error as JsonSchema,
  ok: { const: false },
  ...HEALTH_FIELDS,
});
