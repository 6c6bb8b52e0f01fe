/**
 * Where the schema versions of collections live: beside the rows, in the same database,
 * global across regions. Versions are immutable once stored; a registration is an
 * insert that succeeds only if no other registration took the same version first.
 */
import type { Compatibility } from "../protocol/schemas.js";

export interface StoredSchema {
  collection: string;
  version: number;
  /** The JSON Schema as registered (JSON text). */
  schemaJson: string;
  /** The mode this version was checked under; later versions default to it. */
  compatibility: Compatibility;
  /** ms epoch */
  createdAt: number;
}

export interface SchemaStorage {
  /** Every version of the collection, oldest first (empty: the collection is schemaless). */
  versions(collection: string): Promise<StoredSchema[]>;
  /** The latest version of every collection that has one, by collection name. */
  latest(): Promise<StoredSchema[]>;
  /**
   * Stores `schema` if the collection's latest version is `schema.version - 1`; false
   * when another registration took that version first (the caller checks again).
   */
  insert(schema: StoredSchema): Promise<boolean>;
}
