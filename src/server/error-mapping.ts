/**
 * The one place where errors become HTTP responses. Contract errors carry their own
 * code and status; framework errors are translated to the contract's codes; a full
 * database is `insufficient_storage` (507, retryable: nothing was written); anything
 * else is an `internal` 500 whose details go to the log, not to the client. A refusal
 * replayed for an Idempotency-Key says so in a header, as a replayed success does.
 * A request a route schema refuses is `bad_request` in the contract's words.
 */
import type { FastifySchemaValidationError } from "fastify";
import { ReplayedRefusal } from "../core/replayed-refusal.js";
import {
  BadRequestError,
  type ErrorBody,
  InsufficientStorageError,
  InternalError,
  MustRefetchError,
  NotFoundError,
  PayloadTooLargeError,
  VersoError,
} from "../protocol/errors.js";
import { storageFailure } from "../storage/storage-failure.js";

export const IDEMPOTENCY_REPLAYED_HEADER = "idempotency-replayed";
/** Where shape clients (@electric-sql/client) read the handle to refetch under. */
export const SHAPE_HANDLE_HEADER = "electric-handle";

export interface ErrorResponse {
  status: number;
  body: ErrorBody;
  headers: Record<string, string>;
}

/** `bodyLimit` is the limit of the route that refused a body, named in its 413. */
export function toVersoError(error: unknown, log: (line: string) => void, bodyLimit?: number): VersoError {
  if (error instanceof ReplayedRefusal) return error.refusal;
  if (error instanceof VersoError) return error;
  const e = error as { code?: string; statusCode?: number; message?: string };
  if (e.code === "FST_ERR_CTP_BODY_TOO_LARGE") {
    return new PayloadTooLargeError(`request body is larger than ${bodyLimit === undefined ? "the limit" : `${bodyLimit} bytes`}`);
  }
  if (e.code === "FST_ERR_VALIDATION") return new BadRequestError(e.message ?? "bad request");
  if (e.code === "FST_ERR_CTP_EMPTY_JSON_BODY") return new BadRequestError("request body is empty");
  if (e.statusCode === 404) return new NotFoundError(e.message ?? "not found");
  if (e.statusCode !== undefined && e.statusCode >= 400 && e.statusCode < 500) return new BadRequestError(e.message ?? "bad request");
  if (storageFailure(error)?.kind === "full") {
    log(`storage full: ${e.message ?? String(error)}`);
    return new InsufficientStorageError();
  }
  log(`internal error: ${(error as Error)?.stack ?? String(error)}`);
  return new InternalError();
}

export function errorResponse(error: unknown, log: (line: string) => void, bodyLimit?: number): ErrorResponse {
  const verso = toVersoError(error, log, bodyLimit);
  const headers: Record<string, string> = error instanceof ReplayedRefusal ? { [IDEMPOTENCY_REPLAYED_HEADER]: "true" } : {};
  if (verso instanceof MustRefetchError) headers[SHAPE_HANDLE_HEADER] = verso.handle;
  return { status: verso.status, body: verso.toBody(), headers };
}

/** A request no route matches. */
export function routeNotFound(method: string, url: string): ErrorResponse {
  const path = url.split("?")[0];
  return { status: 404, body: new NotFoundError(`no route for ${method} ${path}`).toBody(), headers: {} };
}

/**
 * Fastify's `schemaErrorFormatter`: the first problem a route schema found, as the
 * contract's 400. The schema's `x-invalid` names the rule (route-schema.ts); a parameter
 * sent twice arrives as an array and is told so.
 */
type RequestPart = "body" | "headers" | "params" | "querystring";

export function schemaRefusal(errors: FastifySchemaValidationError[], part: RequestPart): BadRequestError {
  const first = errors[0] as (FastifySchemaValidationError & { data?: unknown; parentSchema?: { "x-invalid"?: unknown } }) | undefined;
  if (!first) return new BadRequestError(`the request's ${part} are not valid`);
  const missing = first.params.missingProperty;
  const name = typeof missing === "string" ? missing : first.instancePath.split("/").slice(1).join(".") || part;
  if (first.keyword === "type" && Array.isArray(first.data)) return new BadRequestError(`${name} must be given once`);
  const rule = first.parentSchema?.["x-invalid"];
  if (typeof rule === "string" && first.keyword !== "required") return new BadRequestError(rule);
  return new BadRequestError(
    `${part === "querystring" ? "query parameter" : part === "headers" ? "header" : part} ${name} ${first.message ?? "is not valid"}`,
  );
}
