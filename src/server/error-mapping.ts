/**
 * The one place where errors become HTTP responses. Contract errors carry their own
 * code and status; framework errors are translated to the contract's codes; anything
 * else is an `internal` 500 whose details go to the log, not to the client.
 */
import { BadRequestError, type ErrorBody, InternalError, NotFoundError, PayloadTooLargeError, VersoError } from "../protocol/errors.js";

/** `bodyLimit` is the limit of the route that refused a body, named in its 413. */
export function toVersoError(error: unknown, log: (line: string) => void, bodyLimit?: number): VersoError {
  if (error instanceof VersoError) return error;
  const e = error as { code?: string; statusCode?: number; message?: string };
  if (e.code === "FST_ERR_CTP_BODY_TOO_LARGE") {
    return new PayloadTooLargeError(`request body is larger than ${bodyLimit === undefined ? "the limit" : `${bodyLimit} bytes`}`);
  }
  if (e.code === "FST_ERR_CTP_EMPTY_JSON_BODY") return new BadRequestError("request body is empty");
  if (e.statusCode === 404) return new NotFoundError(e.message ?? "not found");
  if (e.statusCode !== undefined && e.statusCode >= 400 && e.statusCode < 500) return new BadRequestError(e.message ?? "bad request");
  log(`internal error: ${(error as Error)?.stack ?? String(error)}`);
  return new InternalError();
}

export function errorResponse(error: unknown, log: (line: string) => void, bodyLimit?: number): { status: number; body: ErrorBody } {
  const verso = toVersoError(error, log, bodyLimit);
  return { status: verso.status, body: verso.toBody() };
}
