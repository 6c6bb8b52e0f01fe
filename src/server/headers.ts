/** Decoding of the request headers and query parameters the contract defines. */

import type { Expectation } from "../model/write-command.js";
import { BadRequestError } from "../protocol/errors.js";
import { parseSchemaSelection, SCHEMA_HEADER, type SchemaSelection } from "../protocol/schemas.js";
import { PROTOCOL_HEADER, PROTOCOL_MIN } from "../protocol/version.js";

export function header(headers: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * The protocol a request speaks: its Verso-Protocol header (checked by the app's hook),
 * or 1 when absent, so plain scripts keep the behaviour of the first protocol.
 */
export function requestProtocol(headers: Record<string, string | string[] | undefined>): number {
  const asked = header(headers, PROTOCOL_HEADER)?.trim();
  return asked === undefined ? PROTOCOL_MIN : Number(asked);
}

/** `If-Match: "V"` (weak or bare also accepted) or `*`; `If-None-Match: *`. */
export function expectationFrom(headers: Record<string, string | string[] | undefined>): Expectation | undefined {
  const ifMatch = header(headers, "if-match")?.trim();
  const ifNoneMatch = header(headers, "if-none-match")?.trim();
  if (ifMatch !== undefined && ifNoneMatch !== undefined) throw new BadRequestError("send either If-Match or If-None-Match, not both");
  if (ifNoneMatch !== undefined) {
    if (ifNoneMatch !== "*") throw new BadRequestError('If-None-Match supports only "*" (the row must not exist)');
    return 0;
  }
  if (ifMatch === undefined) return undefined;
  if (ifMatch === "*") return "present";
  const match = /^(?:W\/)?"?(\d{1,16})"?$/.exec(ifMatch);
  if (!match?.[1]) throw new BadRequestError(`If-Match must be a version in quotes, like "7", got ${JSON.stringify(ifMatch)}`);
  const version = Number(match[1]);
  if (!Number.isSafeInteger(version) || version < 1) throw new BadRequestError("If-Match version must be a positive integer");
  return version;
}

export function etag(version: number): string {
  return `"${version}"`;
}

/** An optional non-negative integer query parameter. */
export function intParam(query: Record<string, unknown>, name: string): number | undefined {
  const raw = query[name];
  if (raw === undefined) return undefined;
  if (typeof raw !== "string" || !/^\d{1,16}$/.test(raw)) throw new BadRequestError(`${name} must be a non-negative integer`);
  const value = Number(raw);
  if (!Number.isSafeInteger(value)) throw new BadRequestError(`${name} is too large`);
  return value;
}

export function stringParam(query: Record<string, unknown>, name: string): string | undefined {
  const raw = query[name];
  if (raw === undefined) return undefined;
  if (typeof raw !== "string") throw new BadRequestError(`${name} must be given once`);
  return raw;
}

/**
 * The schema versions a reader asks for: `Verso-Schema: deployments=1, gateways=2`, and
 * for the feed also `?schema=deployments@1` (repeatable, or comma-separated), which
 * EventSource readers can send where they cannot set headers. Undefined when neither.
 */
export function schemaSelection(
  headers: Record<string, string | string[] | undefined>,
  query?: Record<string, unknown>,
): SchemaSelection | undefined {
  const parts: SchemaSelection[] = [];
  const fromHeader = headers[SCHEMA_HEADER];
  for (const text of Array.isArray(fromHeader) ? fromHeader : fromHeader === undefined ? [] : [fromHeader]) parts.push(parse(text, "="));
  const fromQuery = query?.schema;
  for (const text of Array.isArray(fromQuery) ? fromQuery : fromQuery === undefined ? [] : [fromQuery]) {
    if (typeof text !== "string") throw new BadRequestError("schema must be collection@version");
    parts.push(parse(text, "@"));
  }
  if (parts.length === 0) return undefined;
  const merged = new Map<string, number>();
  for (const part of parts) {
    for (const [collection, version] of Object.entries(part)) {
      if ((merged.get(collection) ?? version) !== version)
        throw new BadRequestError(`collection ${collection} is named with two schema versions`);
      merged.set(collection, version);
    }
  }
  return Object.fromEntries(merged);
}

function parse(text: string, separator: "=" | "@"): SchemaSelection {
  const parsed = parseSchemaSelection(text, separator);
  if (typeof parsed === "string") throw new BadRequestError(`${separator === "=" ? "Verso-Schema" : "schema"}: ${parsed}`);
  return parsed;
}
