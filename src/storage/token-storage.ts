/**
 * Where scoped API tokens live. Kept apart from Storage and small on purpose, so every
 * backend can hold tokens beside its data with a handful of statements. Only a hash of
 * each secret is stored; the secret itself is never handed to storage.
 */
import type { TokenRole } from "../protocol/tokens.js";

export interface StoredToken {
  id: string;
  name: string | null;
  role: TokenRole;
  regions: string[];
  /** ms epoch */
  createdAt: number;
  /** ms epoch; null while the token is valid */
  revokedAt: number | null;
}

export interface NewToken extends Omit<StoredToken, "revokedAt"> {
  /** Hash of the secret (see core/tokens.ts); unique. */
  hash: string;
}

export interface TokenStorage {
  create(token: NewToken): Promise<void>;
  /** Every token, revoked ones included, oldest first. */
  list(): Promise<StoredToken[]>;
  /** Marks a token revoked at `at` (kept if already revoked); undefined when no such id. */
  revoke(id: string, at: number): Promise<StoredToken | undefined>;
  /** The token with this secret hash, revoked or not; callers decide what revoked means. */
  findByHash(hash: string): Promise<StoredToken | undefined>;
}
