/**
 * Issuing API tokens: request validation, secret generation and hashing.
 *
 * A secret is 32 random bytes, so its SHA-256 is all that needs storing: slow password
 * hashes (bcrypt, scrypt, argon2) exist to make guessing low-entropy human passwords
 * expensive, and nobody can guess 256 random bits from a leaked hash however fast the
 * hash is. A fast unsalted hash also lets a request find its token by an indexed lookup.
 */
import { createHash, randomBytes } from "node:crypto";
import { BadRequestError } from "../protocol/errors.js";
import { ALL_REGIONS, type CreatedToken, TOKEN_ROLES, type TokenInfo, type TokenRole } from "../protocol/tokens.js";
import type { NewToken, StoredToken } from "../storage/token-storage.js";
import { checkName } from "./commands.js";

/** Recognisable in logs and by secret scanners. */
export const TOKEN_PREFIX = "verso_";
export const MAX_TOKEN_REGIONS = 1000;
const MAX_NAME_LENGTH = 200;
const FIELDS = new Set(["regions", "role", "name"]);

export interface TokenRequest {
  regions: string[];
  role: TokenRole;
  name: string | null;
}

export function hashToken(secret: string): string {
  return createHash("sha256").update(secret).digest("hex");
}

/** Validates a `POST /v1/tokens` body. */
export function tokenRequest(body: unknown): TokenRequest {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new BadRequestError('body must be {"regions": [...], "role": "read"|"write", "name"?: "..."}');
  }
  const fields = body as Record<string, unknown>;
  const unknown = Object.keys(fields).find((k) => !FIELDS.has(k));
  if (unknown !== undefined) throw new BadRequestError(`unknown field ${JSON.stringify(unknown)} in token request`);
  const { regions, role, name } = fields;
  if (!TOKEN_ROLES.includes(role as TokenRole)) throw new BadRequestError('role must be "read" or "write"');
  if (!Array.isArray(regions) || regions.length === 0)
    throw new BadRequestError('regions must be a non-empty array of region names or "*"');
  if (regions.length > MAX_TOKEN_REGIONS) throw new BadRequestError(`a token has at most ${MAX_TOKEN_REGIONS} regions`);
  const checked = regions.map((r: unknown) => (r === ALL_REGIONS ? ALL_REGIONS : checkName("region", r)));
  const unique = checked.includes(ALL_REGIONS) ? [ALL_REGIONS] : [...new Set(checked)];
  if (
    name !== undefined &&
    (typeof name !== "string" || name.length === 0 || name.length > MAX_NAME_LENGTH || /[\x00-\x1f\x7f]/.test(name))
  ) {
    throw new BadRequestError(`name must be 1-${MAX_NAME_LENGTH} characters without control characters`);
  }
  return { regions: unique, role: role as TokenRole, name: name ?? null };
}

/** A fresh token: what to store (hash only) and the secret to show once. */
export function issueToken(request: TokenRequest, now: number): { stored: NewToken; secret: string } {
  const secret = TOKEN_PREFIX + randomBytes(32).toString("base64url");
  const id = `tok_${randomBytes(9).toString("base64url")}`;
  return { stored: { id, hash: hashToken(secret), createdAt: now, ...request }, secret };
}

export function tokenInfo(token: StoredToken): TokenInfo {
  return {
    id: token.id,
    name: token.name,
    role: token.role,
    regions: token.regions,
    createdAt: new Date(token.createdAt).toISOString(),
    revokedAt: token.revokedAt === null ? null : new Date(token.revokedAt).toISOString(),
  };
}

export function createdToken(stored: NewToken, secret: string): CreatedToken {
  return { ...tokenInfo({ ...stored, revokedAt: null }), token: secret };
}
