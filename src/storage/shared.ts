/**
 * Pieces every backend needs in the same shape: region and feed rows, epochs, and the
 * heads a batch moved. Kept here so the backends differ only in how they talk to their
 * engine.
 */

import { randomBytes } from "node:crypto";
import type { WriteResult } from "../model/write-outcome.js";
import type { Compatibility } from "../protocol/schemas.js";
import type { StoredAgent } from "./agent-storage.js";
import type { StoredSchema } from "./schema-storage.js";

/** Identity of a region's incarnation, made when the region is first written. */
export function newEpoch(): string {
  return randomBytes(12).toString("base64url");
}

/** The highest version each region reached in a batch (what commit listeners are told); replays moved nothing. */
export function committedHeads(results: ReadonlyArray<WriteResult | Error | undefined>): Map<string, number> {
  const heads = new Map<string, number>();
  for (const result of results) {
    if (!result || result instanceof Error || result.replayed) continue;
    const { outcome } = result;
    const moved =
      outcome.status === "committed"
        ? outcome
        : outcome.status === "pushed" && outcome.head > 0
          ? { ...outcome, version: outcome.head }
          : undefined;
    if (!moved) continue;
    const { region, version } = moved;
    heads.set(region, Math.max(version, heads.get(region) ?? 0));
  }
  return heads;
}

/** An agent's report as both engines return it (PostgreSQL's bigints may arrive as text). */
export interface AgentRow {
  region: string;
  id: string;
  name: string | null;
  token_name: string | null;
  transport: string;
  applied: string | number;
  handled: string | number | null;
  last_seen: string | number;
}

export function toAgent(row: AgentRow): StoredAgent {
  return {
    region: row.region,
    id: row.id,
    name: row.name,
    tokenName: row.token_name,
    transport: row.transport,
    applied: Number(row.applied),
    handled: row.handled === null ? null : Number(row.handled),
    lastSeen: Number(row.last_seen),
  };
}

/** A registered schema version as both engines return it. */
export interface SchemaRow {
  collection: string;
  version: number;
  schema: string;
  compatibility: string;
  created_at: number;
}

export function toSchema(row: SchemaRow): StoredSchema {
  return {
    collection: row.collection,
    version: row.version,
    schemaJson: row.schema,
    compatibility: row.compatibility as Compatibility,
    createdAt: row.created_at,
  };
}
