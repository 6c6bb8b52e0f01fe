/**
 * Decoding of the headers and query parameters every reader of the contract shares
 * (the server and the agent's listener): protocol version, integers, strings, ETags.
 */
import { BadRequestError, UnsupportedProtocolVersionError } from "../protocol/errors.js";
import { isSupportedProtocol, PROTOCOL_HEADER, PROTOCOL_MAX, PROTOCOL_MIN } from "../protocol/version.js";

export type Headers = Record<string, string | string[] | undefined>;

export function header(headers: Headers, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * The protocol a request speaks: its Verso-Protocol header (checked by `checkProtocol`),
 * or 1 when absent, so plain scripts keep the behaviour of the first protocol.
 */
export function requestProtocol(headers: Headers): number {
  const asked = header(headers, PROTOCOL_HEADER)?.trim();
  return asked === undefined ? PROTOCOL_MIN : Number(asked);
}

/** The response speaks the protocol the request asked for; a refusal speaks the newest. */
export function answeredProtocol(headers: Headers): number {
  const asked = header(headers, PROTOCOL_HEADER);
  return asked !== undefined && !isSupportedProtocol(asked.trim()) ? PROTOCOL_MAX : requestProtocol(headers);
}

/** Refuses a Verso-Protocol outside the supported range, naming the range. */
export function checkProtocol(headers: Headers): void {
  const asked = header(headers, PROTOCOL_HEADER);
  if (asked !== undefined && !isSupportedProtocol(asked.trim())) {
    throw new UnsupportedProtocolVersionError(`Verso-Protocol ${JSON.stringify(asked)} is not supported`, {
      min: PROTOCOL_MIN,
      max: PROTOCOL_MAX,
    });
  }
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
