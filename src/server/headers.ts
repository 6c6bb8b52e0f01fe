/** Decoding of the request headers and query parameters the contract defines. */

import type { Expectation } from "../model/write-command.js";
import { BadRequestError } from "../protocol/errors.js";
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
