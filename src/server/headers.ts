/** Decoding of the request headers and query parameters the contract defines. */

import type { Headers } from "../model/http-params.js";
import { etag, header, intParam, requestProtocol, stringParam } from "../model/http-params.js";
import type { Expectation } from "../model/write-command.js";
import { BadRequestError } from "../protocol/errors.js";
import { parseSchemaSelection, SCHEMA_HEADER, type SchemaSelection } from "../protocol/schemas.js";

// Shared with the agent's listener, which may not import the server.
export { etag, header, intParam, requestProtocol, stringParam };

/** `If-Match: "V"` (weak or bare also accepted) or `*`; `If-None-Match: *`. */
export function expectationFrom(headers: Headers): Expectation | undefined {
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
