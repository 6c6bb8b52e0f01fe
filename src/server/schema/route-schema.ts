/**
 * The shape of a route's declared schema and the pieces routes share. A route passes its
 * schema to Fastify (`{ schema }`): Fastify validates the path parameters, query and
 * headers with it (validation.ts), and the OpenAPI document is built from the same
 * objects (openapi.ts), so the two cannot differ.
 *
 * `x-invalid` holds the contract's message for a value its schema refuses (the message a
 * hand-written check gave before), so validation keeps the contract's words.
 */
import { ERROR_BODY, type JsonSchema, object } from "./wire.js";

export interface Response {
  description: string;
  headers?: Record<string, { description: string; schema: JsonSchema }>;
  content?: Record<string, { schema: JsonSchema }>;
}

export interface RouteSchema {
  summary: string;
  description?: string;
  tags: string[];
  /** Open to callers without a token (no `security` requirement). */
  open?: boolean;
  params?: JsonSchema;
  querystring?: JsonSchema;
  headers?: JsonSchema;
  body?: JsonSchema;
  response: Record<string, Response>;
}

/** The query's integers: digits only, given once. Handlers convert them (headers.ts `intParam`). */
export function queryInteger(name: string, description: string): JsonSchema {
  return { type: "string", pattern: "^\\d{1,16}$", description, "x-invalid": `${name} must be a non-negative integer` };
}

export function queryString(description: string): JsonSchema {
  return { type: "string", description };
}

/** A query object: every parameter optional, unknown ones ignored. */
export function query(properties: Record<string, JsonSchema>): JsonSchema {
  return { type: "object", properties };
}

export function params(names: Record<string, string>): JsonSchema {
  return object(Object.fromEntries(Object.entries(names).map(([name, description]) => [name, { type: "string", description }])));
}

export const REGION_PARAM = { region: "region name: 1-256 characters of [A-Za-z0-9._:-]" };
export const COLLECTION_PARAM = { collection: "collection name: 1-256 characters of [A-Za-z0-9._:-]" };
export const KEY_PARAM = { key: "key: 1-256 characters of [A-Za-z0-9._:-/], / sent as %2F" };

/** Request headers, by their usual spelling (Fastify matches them case-insensitively). */
export function headers(properties: Record<string, JsonSchema>): JsonSchema {
  return { type: "object", properties };
}

export const IDEMPOTENCY_KEY: Record<string, JsonSchema> = {
  "Idempotency-Key": {
    type: "string",
    pattern: "^[\\x21-\\x7e]{1,256}$",
    description: "a retry with the same key gets the first answer (24 h by default)",
    "x-invalid": "Idempotency-Key must be 1-256 visible ASCII characters",
  },
};

export const IF_MATCH: Record<string, JsonSchema> = {
  "If-Match": { type: "string", description: '"V" (also W/"V" or V): only if the row is at version V; *: only if it exists' },
};

export const IF_NONE_MATCH: Record<string, JsonSchema> = {
  "If-None-Match": { type: "string", description: "*: only if the row does not exist" },
};

export const VERSO_SCHEMA: Record<string, JsonSchema> = {
  "Verso-Schema": { type: "string", description: "collection=N, ...: show those collections' values at those schema versions" },
};

/** The feed's position and shape, shared by /changes and /watch. */
export const FEED_QUERY = {
  since: queryInteger("since", "the cursor of the last page applied; without it the first page is a reset"),
  epoch: queryString("the epoch that cursor belongs to; another epoch gets a reset"),
  limit: queryInteger("limit", "ops per page, 1-10000 (default 1000); a version is never split"),
  resetHead: queryInteger("resetHead", "protocol 2: the head of the first page of the reset being continued"),
  schema: {
    description: "collection@N, repeatable or comma-separated: show those collections' values at those schema versions",
    oneOf: [{ type: "string" }, { type: "array", items: { type: "string" } }],
  },
};

export const header = (description: string) => ({ description, schema: { type: "string" } });
export const ETAG = { etag: header('"V": the row\'s version') };
export const REPLAYED = { "idempotency-replayed": header("true when the answer replays an earlier request with the same Idempotency-Key") };

export function json(description: string, schema: JsonSchema, responseHeaders: Response["headers"] = {}): Response {
  return { description, headers: responseHeaders, content: { "application/json": { schema } } };
}

const ERROR_DESCRIPTIONS: Record<number, string> = {
  400: "bad_request, unsupported_protocol_version, or a typed collection's schema_violation / unknown_schema_version",
  401: "unauthorized: a valid bearer token is required (authentication on)",
  403: "forbidden: the token does not cover this region or call",
  404: "not_found",
  409: "schema_incompatible or schema_projection_failed",
  412: "version_mismatch: a condition did not hold (current or failures)",
  413: "payload_too_large",
  422: "idempotency_key_reused",
  500: "internal (details in the server log)",
  504: "consistency_timeout: minVersion not reached in time",
  507: "insufficient_storage: the database is full; nothing was written",
};

/** Every route may answer these: a bad protocol or input, no or a weak token, a failure. */
const COMMON = [400, 401, 403, 500];

/** The error answers of a route: the common ones and `extra`, each with the contract's error body. */
export function errors(...extra: number[]): Record<string, Response> {
  return errorAnswers([...COMMON, ...extra]);
}

/** The error answers of a route open without a token. */
export function openErrors(...extra: number[]): Record<string, Response> {
  return errorAnswers([400, 500, ...extra]);
}

function errorAnswers(all: number[]): Record<string, Response> {
  const statuses = [...new Set(all)].sort((a, b) => a - b);
  return Object.fromEntries(statuses.map((status) => [String(status), json(ERROR_DESCRIPTIONS[status] ?? "error", ERROR_BODY, REPLAYED)]));
}

/** The errors a write may answer, a replayed refusal included. */
export const WRITE_ERRORS = [404, 412, 413, 422, 507];
