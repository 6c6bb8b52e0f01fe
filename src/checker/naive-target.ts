/**
 * The design verso replaces (seed 000's origin), built on PostgreSQL to be checked:
 * a writer first takes a version from a counter that commits on its own (NextVersion),
 * then, after a round trip elsewhere, writes its rows tagged with that version; readers
 * ask for `version > cursor ORDER BY version`. Two writers of one region can commit out
 * of order (v11 before v10); a reader that saw v11 moves its cursor past v10 and never
 * sees it. Pages are cut with verso's own cutPage, so the ordering is the only flaw.
 */
import pg from "pg";
import { cutPage } from "../model/feed.js";
import { BIGINT_AS_NUMBER, quotedSchema } from "./postgres-schema.js";
import { between, type Random } from "./random.js";
import type { FeedOp, Target } from "./target.js";

export interface NaiveTarget extends Target {
  close(): Promise<void>;
}

export async function naiveTarget(url: string, schema: string, random: Random, maxDelayMs: number): Promise<NaiveTarget> {
  const namespace = quotedSchema(schema);
  const pool = new pg.Pool({ connectionString: url, max: 8, types: BIGINT_AS_NUMBER, application_name: "verso-naive" });
  pool.on("error", () => {});
  await pool.query(`CREATE SCHEMA IF NOT EXISTS ${namespace};
    CREATE TABLE IF NOT EXISTS ${namespace}.naive_versions (region text PRIMARY KEY, version bigint NOT NULL);
    CREATE TABLE IF NOT EXISTS ${namespace}.naive_rows (
      region text NOT NULL, key text NOT NULL, version bigint NOT NULL, value text NOT NULL, PRIMARY KEY (region, key));
    CREATE INDEX IF NOT EXISTS naive_rows_by_version ON ${namespace}.naive_rows (region, version, key);`);
  const feed = async (region: string, since: number, limit: number) => {
    const { rows } = await pool.query<FeedOp>(
      `SELECT key, version FROM ${namespace}.naive_rows WHERE region = $1 AND version > $2 ORDER BY version, key LIMIT $3`,
      [region, since, limit + 1],
    );
    return rows;
  };
  return {
    name: "naive allocate-then-write (PostgreSQL)",
    nodes: 1,
    async write(_node, region, keys) {
      // NextVersion: its own transaction, committed before the rows exist.
      const { rows } = await pool.query<{ version: number }>(
        `INSERT INTO ${namespace}.naive_versions AS v (region, version) VALUES ($1, 1)
         ON CONFLICT (region) DO UPDATE SET version = v.version + 1 RETURNING version`,
        [region],
      );
      const version = rows[0]!.version;
      // The caller's own work and round trips between taking the version and writing.
      await new Promise((resolve) => setTimeout(resolve, between(random, 0, maxDelayMs)));
      await pool.query(
        `INSERT INTO ${namespace}.naive_rows (region, key, version, value) SELECT $1, k, $2, '{}' FROM unnest($3::text[]) AS k`,
        [region, version, keys],
      );
      return version;
    },
    async changes(_node, region, since, limit, waitMs) {
      // No notifications in this design: a long-poll is emulated by polling.
      const deadline = Date.now() + waitMs;
      let rows = await feed(region, since, limit);
      while (rows.length === 0 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 10));
        rows = await feed(region, since, limit);
      }
      const head =
        (await pool.query<{ version: number }>(`SELECT version FROM ${namespace}.naive_versions WHERE region = $1`, [region])).rows[0]
          ?.version ?? 0;
      // The naive design never compacts: its floor is 0.
      const cut = cutPage(
        rows.map((r) => r.version),
        limit,
        0,
      );
      if (cut.kind === "whole-version") {
        const whole = await pool.query<FeedOp>(
          `SELECT key, version FROM ${namespace}.naive_rows WHERE region = $1 AND version = $2 ORDER BY key`,
          [region, cut.version],
        );
        return { reset: false, ops: whole.rows, cursor: cut.version, head, more: true };
      }
      const ops = rows.slice(0, cut.count);
      // The seed's agents keep the last version they saw as their cursor.
      const cursor = cut.kind === "partial" ? cut.cursor : (ops[ops.length - 1]?.version ?? since);
      return { reset: false, ops, cursor, head, more: cut.kind === "partial" };
    },
    async close() {
      await pool.end();
    },
  };
}
