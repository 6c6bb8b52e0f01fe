/**
 * A region's row and the feed's rows as both storage engines and the agent's replica
 * return them, and how they become the contract's region: the shapes page-read.ts
 * reads pages from.
 */
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
  /** Read only by the feed of one collection: where the row's current life began, and where the previous one ended. */
  created_version?: number;
  prior_end_version?: number | null;
}

/** The optional `schemaVersion` of a stored row (NULL in the database: a schemaless write). */
export function schemaOf(schemaVersion: number | null | undefined): { schemaVersion?: number } {
  return schemaVersion === null || schemaVersion === undefined ? {} : { schemaVersion };
}

export function toRegion(row: RegionRow): Region {
  return { region: row.name, epoch: row.epoch, version: row.version, floor: row.floor };
}

/** What a region never written reports. */
export function emptyRegion(name: string): Region {
  return { region: name, epoch: "", version: 0, floor: 0 };
}
