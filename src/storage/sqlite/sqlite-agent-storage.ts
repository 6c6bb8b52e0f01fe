/** Agents' status reports in the SQLite database, on the same connection as the data (see SqliteStorage.agents). */
import type Database from "better-sqlite3";
import type { AgentStorage, StoredAgent } from "../agent-storage.js";
import { type AgentRow, toAgent } from "../shared.js";

export class SqliteAgentStorage implements AgentStorage {
  private readonly sql;
  readonly record: (reports: readonly StoredAgent[]) => Promise<void>;

  constructor(db: Database.Database) {
    this.sql = {
      upsert: db.prepare<[string, string, string | null, string | null, string, number, number | null, number]>(
        `INSERT INTO agents (region, id, name, token_name, transport, applied, handled, last_seen) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (region, id) DO UPDATE SET name = excluded.name, token_name = excluded.token_name,
           transport = excluded.transport, applied = excluded.applied, handled = excluded.handled, last_seen = excluded.last_seen
         WHERE excluded.last_seen >= agents.last_seen`,
      ),
      list: db.prepare<[], AgentRow>("SELECT * FROM agents ORDER BY region, id"),
      forget: db.prepare<[string]>("DELETE FROM agents WHERE id = ?"),
      changeTime: db.prepare<[string, number], { updated_at: number }>(
        `SELECT r.updated_at FROM rows r JOIN regions g ON g.id = r.region_id
         WHERE g.name = ? AND r.version > ? ORDER BY r.version LIMIT 1`,
      ),
    };
    const upsertAll = db.transaction((reports: readonly StoredAgent[]) => {
      for (const a of reports) this.sql.upsert.run(a.region, a.id, a.name, a.tokenName, a.transport, a.applied, a.handled, a.lastSeen);
    });
    this.record = async (reports) => {
      if (reports.length > 0) upsertAll(reports);
    };
  }

  async list(): Promise<StoredAgent[]> {
    return this.sql.list.all().map(toAgent);
  }

  async forget(id: string): Promise<number> {
    return this.sql.forget.run(id).changes;
  }

  async changeTime(region: string, applied: number): Promise<number | undefined> {
    return this.sql.changeTime.get(region, applied)?.updated_at;
  }
}
