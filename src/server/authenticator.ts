/**
 * Who is calling: the admin token, a stored scoped token, or nobody. Lookups of stored
 * tokens are cached for `cacheMs` so a backend across the network is not asked on every
 * request; `forget()` (called on every revocation through this server) empties the
 * cache, so a revoked token is refused by the next request on this node. Other nodes
 * sharing the database refuse it within `cacheMs`.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import { hashToken } from "../core/tokens.js";
import type { TokenStorage } from "../storage/token-storage.js";
import { ADMIN, type Principal } from "./access.js";

export const DEFAULT_TOKEN_CACHE_MS = 5_000;
/** The admin token guards everything; a short one could be guessed. */
export const MIN_ADMIN_TOKEN_LENGTH = 16;
const MAX_CACHED = 10_000;
/** Longer bearer values are refused unread. */
const MAX_TOKEN_LENGTH = 512;

export interface AuthenticatorOptions {
  adminToken: string;
  tokens?: TokenStorage | undefined;
  cacheMs?: number;
  now?: () => number;
}

export class Authenticator {
  private readonly adminDigest: Buffer;
  private readonly cache = new Map<string, { principal: Principal; until: number }>();
  /** Bumped by forget(), so a lookup that started before a revocation is not cached after it. */
  private generation = 0;
  private readonly cacheMs: number;
  private readonly now: () => number;

  constructor(private readonly options: AuthenticatorOptions) {
    if (options.adminToken.length < MIN_ADMIN_TOKEN_LENGTH) {
      throw new Error(`the admin token must be at least ${MIN_ADMIN_TOKEN_LENGTH} characters (e.g. openssl rand -base64 32)`);
    }
    this.adminDigest = digest(options.adminToken);
    this.cacheMs = options.cacheMs ?? DEFAULT_TOKEN_CACHE_MS;
    this.now = options.now ?? Date.now;
  }

  /** The caller behind a bearer token, or undefined for an unknown or revoked one. */
  async authenticate(token: string): Promise<Principal | undefined> {
    if (token.length === 0 || token.length > MAX_TOKEN_LENGTH) return undefined;
    // Compared as fixed-length digests so the comparison time says nothing about the admin token.
    if (timingSafeEqual(digest(token), this.adminDigest)) return ADMIN;
    if (!this.options.tokens) return undefined;
    const hash = hashToken(token);
    const now = this.now();
    const cached = this.cache.get(hash);
    if (cached && cached.until > now) return cached.principal;
    // Unknown tokens are not cached: nothing to invalidate when one is created.
    const generation = this.generation;
    const stored = await this.options.tokens.findByHash(hash);
    if (!stored || stored.revokedAt !== null) {
      this.cache.delete(hash);
      return undefined;
    }
    const principal: Principal = { kind: "token", id: stored.id, role: stored.role, regions: stored.regions, name: stored.name };
    if (this.cacheMs > 0 && generation === this.generation) {
      if (this.cache.size >= MAX_CACHED) this.cache.clear();
      this.cache.set(hash, { principal, until: now + this.cacheMs });
    }
    return principal;
  }

  forget(): void {
    this.generation++;
    this.cache.clear();
  }
}

function digest(text: string): Buffer {
  return createHash("sha256").update(text).digest();
}
