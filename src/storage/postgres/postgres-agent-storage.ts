/**
 * Agents' status reports in the PostgreSQL schema, shared by every node on it (see
 * PostgresStorage.agents). A batch of reports is one statement over arrays, so a node
 * receiving reports from a thousand agents sends one upsert per flush.
 */
import type pg from "pg";
import type { AgentStorage, StoredAgent } from "../agent-storage.js";
import { type AgentRow, toAgent } from "../shared.js";
import { quoted } from "./schema-name.js";

export class PostgresAgentStorage implements AgentStorage {
  private readonly sql;

  constructor(
    private readonly pool: pg.Pool,
    schema: string,
  ) {
    const s = quoted(schema);
    this.sql = {
      // A row per (region, id): a batch never holds one twice (the registry keeps the latest).
      upsert: `INSERT INTO ${s}.agents AS a (region, id, name, token_name, transport, applied, handled, last_seen)
        SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[], $7::bigint[], $8::bigint[])
        ON CONFLICT (region, id) DO UPDATE SET name = excluded.name, token_name = excluded.token_name,
          transport = excluded.transport, applied = excluded.applied, handled = excluded.handled, last_seen = excluded.last_seen
        WHERE excluded.last_seen >= a.last_seen`,
      list: `SELECT region, id, name, token_name, transport, applied, handled, last_seen FROM ${s}.agents ORDER BY region, id`,
      forget: `DELETE FROM ${s}.agents WHERE id = $1`,
      changeTime: `SELECT r.updated_at FROM ${s}.rows r JOIN ${s}.regions g ON g.id = r.region_id
        WHERE g.name = $1 AND r.version > $2 ORDER BY r.version LIMIT 1`,
    };
  }

  async record(reports: readonly StoredAgent[]): Promise<void> {
    if (reports.length === 0) return;
    await this.pool.query(this.sql.upsert, [
      reports.map((a) => a.region),
      reports.map((a) => a.id),
      reports.map((a) => a.name),
      reports.map((a) => a.tokenName),
      reports.map((a) => a.transport),
      reports.map((a) => a.applied),
      reports.map((a) => a.handled),
      reports.map((a) => a.lastSeen),
    ]);
  }

  async list(): Promise<StoredAgent[]> {
    return (await this.pool.query<AgentRow>(this.sql.list)).rows.map(toAgent);
  }

  async forget(id: string): Promise<number> {
    return (await this.pool.query(this.sql.forget, [id])).rowCount ?? 0;
  }

  async changeTime(region: string, applied: number): Promise<number | undefined> {
    const row = (await this.pool.query<{ updated_at: string | number }>(this.sql.changeTime, [region, applied])).rows[0];
    return row === undefined ? undefined : Number(row.updated_at);
  }
}
