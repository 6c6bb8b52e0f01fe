/** Tokens in the SQLite database, on the same connection as the data (see SqliteStorage.tokens). */
import type Database from "better-sqlite3";
import type { TokenRole } from "../../protocol/tokens.js";
import type { NewToken, StoredToken, TokenStorage } from "../token-storage.js";

interface TokenRow {
  id: string;
  name: string | null;
  role: string;
  regions: string;
  created_at: number;
  revoked_at: number | null;
}

const COLUMNS = "id, name, role, regions, created_at, revoked_at";

export class SqliteTokenStorage implements TokenStorage {
  private readonly sql;

  constructor(db: Database.Database) {
    this.sql = {
      insert: db.prepare<[string, string, string | null, string, string, number]>(
        "INSERT INTO tokens (id, hash, name, role, regions, created_at) VALUES (?, ?, ?, ?, ?, ?)",
      ),
      list: db.prepare<[], TokenRow>(`SELECT ${COLUMNS} FROM tokens ORDER BY created_at, id`),
      revoke: db.prepare<[number, string]>("UPDATE tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL"),
      byId: db.prepare<[string], TokenRow>(`SELECT ${COLUMNS} FROM tokens WHERE id = ?`),
      byHash: db.prepare<[string], TokenRow>(`SELECT ${COLUMNS} FROM tokens WHERE hash = ?`),
    };
  }

  async create(token: NewToken): Promise<void> {
    this.sql.insert.run(token.id, token.hash, token.name, token.role, JSON.stringify(token.regions), token.createdAt);
  }

  async list(): Promise<StoredToken[]> {
    return this.sql.list.all().map(toToken);
  }

  async revoke(id: string, at: number): Promise<StoredToken | undefined> {
    this.sql.revoke.run(at, id);
    const row = this.sql.byId.get(id);
    return row && toToken(row);
  }

  async findByHash(hash: string): Promise<StoredToken | undefined> {
    const row = this.sql.byHash.get(hash);
    return row && toToken(row);
  }
}

function toToken(row: TokenRow): StoredToken {
  return {
    id: row.id,
    name: row.name,
    role: row.role as TokenRole,
    regions: JSON.parse(row.regions) as string[],
    createdAt: row.created_at,
    revokedAt: row.revoked_at,
  };
}
