/**
 * Tokens in the PostgreSQL schema, beside the data and shared by every node on it (see
 * PostgresStorage.tokens). Revocation is one statement, so two nodes revoking the same
 * token at once agree on its revocation time.
 */
import type pg from "pg";
import type { TokenRole } from "../../protocol/tokens.js";
import type { NewToken, StoredToken, TokenStorage } from "../token-storage.js";
import type { Statements } from "./statements.js";

interface TokenRow {
  id: string;
  name: string | null;
  role: string;
  regions: string[];
  created_at: number;
  revoked_at: number | null;
}

export class PostgresTokenStorage implements TokenStorage {
  constructor(
    private readonly pool: pg.Pool,
    private readonly sql: Statements,
  ) {}

  async create(token: NewToken): Promise<void> {
    await this.pool.query(this.sql.insertToken, [token.id, token.hash, token.name, token.role, token.regions, token.createdAt]);
  }

  async list(): Promise<StoredToken[]> {
    return (await this.pool.query<TokenRow>(this.sql.tokens)).rows.map(toToken);
  }

  async revoke(id: string, at: number): Promise<StoredToken | undefined> {
    const row = (await this.pool.query<TokenRow>(this.sql.revokeToken, [id, at])).rows[0];
    return row && toToken(row);
  }

  async findByHash(hash: string): Promise<StoredToken | undefined> {
    const row = (await this.pool.query<TokenRow>(this.sql.tokenByHash, [hash])).rows[0];
    return row && toToken(row);
  }
}

function toToken(row: TokenRow): StoredToken {
  return {
    id: row.id,
    name: row.name,
    role: row.role as TokenRole,
    regions: row.regions,
    createdAt: row.created_at,
    revokedAt: row.revoked_at,
  };
}
