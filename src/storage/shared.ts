/**
 * Pieces every backend needs in the same shape: region and feed rows, epochs, and the
 * heads a batch moved. Kept here so the backends differ only in how they talk to their
 * engine.
 */
import { randomBytes } from "node:crypto";
import type { WriteResult } from "../model/write-outcome.js";
import type { Region } from "../protocol/types.js";

export interface RegionRow {
  id: number;
  name: string;
  epoch: string;
  version: number;
  floor: number;
}

/** A row of the feed as both engines return it (SQLite has no booleans: `deleted` is 0 or 1 there). */
export interface FeedRow {
  collection: string;
  key: string;
  version: number;
  deleted: boolean | number;
  value: string | null;
  schema_version: number | null;
}

/** The optional `schemaVersion` of a stored row (NULL in the database: a schemaless write). */
export function schemaOf(schemaVersion: number | null | undefined): { schemaVersion?: number } {
  return schemaVersion === null || schemaVersion === undefined ? {} : { schemaVersion };
}

/** Identity of a region's incarnation, made when the region is first written. */
export function newEpoch(): string {
  return randomBytes(12).toString("base64url");
}

export function toRegion(row: RegionRow): Region {
  return { region: row.name, epoch: row.epoch, version: row.version, floor: row.floor };
}

/** What a region never written reports. */
export function emptyRegion(name: string): Region {
  return { region: name, epoch: "", version: 0, floor: 0 };
}

/** The highest version each region reached in a batch (what commit listeners are told); replays moved nothing. */
export function committedHeads(results: ReadonlyArray<WriteResult | Error | undefined>): Map<string, number> {
  const heads = new Map<string, number>();
  for (const result of results) {
    if (!result || result instanceof Error || result.replayed || result.outcome.status !== "committed") continue;
    const { region, version } = result.outcome;
    heads.set(region, Math.max(version, heads.get(region) ?? 0));
  }
  return heads;
}
