/**
 * The one storage interface every backend implements. It is semantic rather than
 * row-level: a backend applies whole verso commands inside its own transactions,
 * because the atomicity of "take the next version and change the rows" is the
 * property verso exists for and each engine achieves it its own way. Pure decisions
 * (conditions, paging, stale cursors) live in src/model and are shared by all backends.
 */

import type { ChangesQuery, RawPage, StoredRow } from "../model/raw-page.js";
import type { WriteCommand } from "../model/write-command.js";
import type { WriteResult } from "../model/write-outcome.js";
import type { Region } from "../protocol/types.js";
import type { AgentStorage } from "./agent-storage.js";
import type { SchemaStorage } from "./schema-storage.js";
import type { TokenStorage } from "./token-storage.js";

/** Told a region's new head after a commit that moved it. */
export type CommitObserver = (region: string, head: number) => void;

export interface Storage {
  /** Short name of the backend, e.g. "sqlite". */
  readonly backend: string;
  /**
   * Applies each command as its own verso transaction, all inside one storage commit
   * (group commit). A failed condition fails only its own command. Resolves after the
   * commit is durable. A command that hit an unexpected error yields that Error and left
   * nothing behind; its neighbours are unaffected.
   */
  write(batch: readonly WriteCommand[]): Promise<Array<WriteResult | Error>>;
  region(name: string): Promise<Region>;
  regions(): Promise<Region[]>;
  /** A live row, or undefined when absent or deleted. */
  row(region: string, collection: string, key: string): Promise<StoredRow | undefined>;
  /** Live rows of a collection in key order, keys strictly after `after`. */
  rows(region: string, collection: string, after: string | null, limit: number): Promise<StoredRow[]>;
  /** One page of the change feed, read from one snapshot. */
  changes(query: ChangesQuery): Promise<RawPage>;
  /**
   * The clients of a Replicache client group whose last mutation id was set at a region
   * version in (after, upTo], with that id.
   */
  replicacheClients(
    region: string,
    clientGroupID: string,
    after: number,
    upTo: number,
  ): Promise<Array<{ clientID: string; lastMutationID: number }>>;
  /** Per region, the highest version whose tombstones were all written before `before` (ms epoch). */
  tombstoneHorizons(before: number): Promise<Array<{ region: string; version: number }>>;
  /** Deletes idempotency records created before `before` (ms epoch); returns how many. */
  sweepIdempotency(before: number): Promise<number>;
  /** Calls `observer` after every commit that moved a region's head (also commits made by other nodes, where a backend can see them). */
  onCommit(observer: CommitObserver): () => void;
  /** Where this backend keeps API tokens; absent when it keeps none (then only the admin token works). */
  tokens?(): TokenStorage;
  /** Where this backend keeps the schema versions of collections, beside the rows. */
  schemas(): SchemaStorage;
  /** Where this backend keeps agents' status reports; absent when it keeps none (then the server holds them in memory). */
  agents?(): AgentStorage;
  /** Bytes the backend's data takes on disk (metrics); absent when it cannot tell. */
  sizeBytes?(): Promise<number>;
  close(): Promise<void>;
}
