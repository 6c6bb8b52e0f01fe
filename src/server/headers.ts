/** Decoding of the request headers and query parameters the contract defines. */

import type { Headers } from "../model/http-params.js";
import { etag, header, intParam, requestProtocol, stringParam } from "../model/http-params.js";
import type { Expectation } from "../model/write-command.js";
import { BadRequestError } from "../protocol/errors.js";

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
