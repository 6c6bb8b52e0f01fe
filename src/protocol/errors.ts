/**
 * The closed set of error codes of the contract and the error classes that carry them.
 * Shared by the server (which maps them to HTTP in one place) and the client (which
 * rebuilds them from responses), so both sides speak the same names.
 */
import type { CompatibilityReason, SchemaViolation } from "./schemas.js";
import type { CurrentRow, TxnFailure } from "./types.js";

export const ERROR_CODES = [
  "bad_request",
  "unauthorized",
  "forbidden",
  "not_found",
  "version_mismatch",
  "idempotency_key_reused",
  "consistency_timeout",
  "payload_too_large",
  "unsupported_protocol_version",
  "insufficient_storage",
  "schema_incompatible",
  "schema_violation",
  "unknown_schema_version",
  "schema_projection_failed",
  "method_not_allowed",
  "must_refetch",
  "internal",
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export interface ErrorBody {
  error: { code: ErrorCode; message: string };
  [extra: string]: unknown;
}

export const HTTP_STATUS: Record<ErrorCode, number> = {
  bad_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  version_mismatch: 412,
  idempotency_key_reused: 422,
  consistency_timeout: 504,
  payload_too_large: 413,
  unsupported_protocol_version: 400,
  insufficient_storage: 507,
  schema_incompatible: 409,
  schema_violation: 400,
  unknown_schema_version: 400,
  schema_projection_failed: 409,
  method_not_allowed: 405,
  must_refetch: 409,
  internal: 500,
};

/** Base of every error verso raises on purpose. `extra` holds the contract's additional fields. */
export class VersoError extends Error {
  /**
   * Set by the client on an error thrown for a write: the Idempotency-Key it sent. When
   * the outcome is unknown, retrying with the same key applies the write at most once.
   */
  declare readonly idempotencyKey?: string;

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = "VersoError";
  }

  get status(): number {
    return HTTP_STATUS[this.code];
  }

  toBody(): ErrorBody {
    return { error: { code: this.code, message: this.message }, ...this.extra };
  }
}

export class BadRequestError extends VersoError {
  constructor(message: string) {
    super("bad_request", message);
    this.name = "BadRequestError";
  }
}

export class NotFoundError extends VersoError {
  constructor(message: string, extra: Record<string, unknown> = {}) {
    super("not_found", message, extra);
    this.name = "NotFoundError";
  }
}

/** A condition (If-Match, If-None-Match, ifVersion) did not hold. */
export class VersionMismatchError extends VersoError {
  constructor(message: string, extra: { current: CurrentRow } | { failures: TxnFailure[] }) {
    super("version_mismatch", message, extra);
    this.name = "VersionMismatchError";
  }
}

export class IdempotencyKeyReusedError extends VersoError {
  constructor(message = "Idempotency-Key was already used for a different request") {
    super("idempotency_key_reused", message);
    this.name = "IdempotencyKeyReusedError";
  }
}

export class ConsistencyTimeoutError extends VersoError {
  constructor(message: string, extra: { minVersion: number; version: number }) {
    super("consistency_timeout", message, extra);
    this.name = "ConsistencyTimeoutError";
  }
}

export class PayloadTooLargeError extends VersoError {
  constructor(message: string) {
    super("payload_too_large", message);
    this.name = "PayloadTooLargeError";
  }
}

export class UnsupportedProtocolVersionError extends VersoError {
  constructor(message: string, supported: { min: number; max: number }) {
    super("unsupported_protocol_version", message, { supported });
    this.name = "UnsupportedProtocolVersionError";
  }
}

/** A write sent to a read-only endpoint (an agent's listener): the message names where writes go. */
export class MethodNotAllowedError extends VersoError {
  constructor(message: string) {
    super("method_not_allowed", message);
    this.name = "MethodNotAllowedError";
  }
}

export class UnauthorizedError extends VersoError {
  constructor(message = "a valid bearer token is required") {
    super("unauthorized", message);
    this.name = "UnauthorizedError";
  }
}

export class ForbiddenError extends VersoError {
  constructor(message: string) {
    super("forbidden", message);
    this.name = "ForbiddenError";
  }
}

/** The database ran out of space: nothing was written, and the same request may succeed once space is freed. */
export class InsufficientStorageError extends VersoError {
  constructor(message = "the database is out of space: nothing was written; retry once space is freed") {
    super("insufficient_storage", message);
    this.name = "InsufficientStorageError";
  }
}

/** A schema version breaks a compatibility rule against a registered one; nothing was registered. */
export class SchemaIncompatibleError extends VersoError {
  constructor(message: string, extra: { reasons: CompatibilityReason[] }) {
    super("schema_incompatible", message, extra);
    this.name = "SchemaIncompatibleError";
  }
}

/** A written value breaks its collection's latest schema; nothing was written. */
export class SchemaViolationError extends VersoError {
  constructor(message: string, extra: { errors: SchemaViolation[]; index?: number }) {
    super("schema_violation", message, extra);
    this.name = "SchemaViolationError";
  }
}

/** A reader asked for a schema version its collection does not have. */
export class UnknownSchemaVersionError extends VersoError {
  constructor(message: string, extra: { collection: string; version: number }) {
    super("unknown_schema_version", message, extra);
    this.name = "UnknownSchemaVersionError";
  }
}

/** A stored value cannot be shown at the schema version the reader asked for. */
export class SchemaProjectionError extends VersoError {
  constructor(
    message: string,
    extra: { collection: string; key: string; version: number; schema: number | null; to: number; errors: SchemaViolation[] },
  ) {
    super("schema_projection_failed", message, extra);
    this.name = "SchemaProjectionError";
  }
}

/**
 * A shape reader's handle and offset can no longer be served incrementally (the floor
 * passed it, the region was re-created): it must drop its copy and fetch the shape again
 * under `handle`. Sent as the `electric-handle` header too, where shape clients read it.
 */
export class MustRefetchError extends VersoError {
  constructor(
    message: string,
    readonly handle: string,
  ) {
    super("must_refetch", message, { handle });
    this.name = "MustRefetchError";
  }
}

export class InternalError extends VersoError {
  constructor(message = "internal error") {
    super("internal", message);
    this.name = "InternalError";
  }
}

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === "string" && (ERROR_CODES as readonly string[]).includes(value);
}

/** Rebuilds the typed error from a contract error body (used by clients). */
export function errorFromBody(status: number, body: unknown): VersoError {
  const error = (body as { error?: { code?: unknown; message?: unknown } } | null)?.error;
  const code: ErrorCode = isErrorCode(error?.code) ? error.code : status >= 500 ? "internal" : "bad_request";
  const message = typeof error?.message === "string" ? error.message : `HTTP ${status}`;
  const { error: _e, ...extra } = (typeof body === "object" && body !== null ? body : {}) as Record<string, unknown>;
  switch (code) {
    case "bad_request":
      return new BadRequestError(message);
    case "unauthorized":
      return new UnauthorizedError(message);
    case "forbidden":
      return new ForbiddenError(message);
    case "not_found":
      return new NotFoundError(message, extra);
    case "version_mismatch":
      return new VersionMismatchError(message, extra as { current: CurrentRow });
    case "idempotency_key_reused":
      return new IdempotencyKeyReusedError(message);
    case "consistency_timeout":
      return new ConsistencyTimeoutError(message, extra as { minVersion: number; version: number });
    case "payload_too_large":
      return new PayloadTooLargeError(message);
    case "unsupported_protocol_version":
      return new UnsupportedProtocolVersionError(message, extra.supported as { min: number; max: number });
    case "insufficient_storage":
      return new InsufficientStorageError(message);
    case "schema_incompatible":
      return new SchemaIncompatibleError(message, extra as { reasons: CompatibilityReason[] });
    case "schema_violation":
      return new SchemaViolationError(message, extra as { errors: SchemaViolation[] });
    case "unknown_schema_version":
      return new UnknownSchemaVersionError(message, extra as { collection: string; version: number });
    case "schema_projection_failed":
      return new SchemaProjectionError(
        message,
        extra as { collection: string; key: string; version: number; schema: number | null; to: number; errors: SchemaViolation[] },
      );
    case "method_not_allowed":
      return new MethodNotAllowedError(message);
    case "must_refetch":
      return new MustRefetchError(message, typeof extra.handle === "string" ? extra.handle : "");
    case "internal":
      return new InternalError(message);
  }
}
