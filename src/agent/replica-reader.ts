/**
 * Readers' side of the replica file: its own read-only connection (WAL), so reads never
 * wait for the feed loop's transactions nor hold them up. Rows keep their JSON text, so
 * the listener splices values into responses unparsed. A reset in progress lives in
 * `reset_rows` and is swapped in by one commit, so a reader sees the old rows or the new
 * ones, never a mix. Row reads skip tombstones; the change feed (`page`) serves them.
 */
import type Database from "better-sqlite3";
import type { FeedRow, RegionRow } from "../model/feed-rows.js";
import { type FeedFetch, readPageSync } from "../model/page-read.js";
import type { ChangesQuery, RawPage, StoredRow } from "../model/raw-page.js";
import { openReadOnly } from "../sqlite/open-database.js";

/** What readers are shown of the replica: the applied position and the head last seen. */
export interface ReadPosition {
  epoch: string | undefined;
  /** Version of the rows readers see (the applied cursor); 0 before the first page. */
  version: number;
  head: number;
  /** The feed is served from this version on (see ReplicaStore.compactTombstones). */
  floor: number;
}

export type ReplicaRow = Pick<StoredRow, "key" | "version" | "valueJson" | "schemaVersion">;

interface StoredReplicaRow {
  key: string;
  version: number;
  valueJson: string;
  schemaVersion: number | null;
}

interface StateRow {
  epoch: string | null;
  cursor: number | null;
  head: number;
  floor: number;
}

const FEED_COLUMNS = "collection, key, version, value IS NULL AS deleted, value, schema_version";
const ROW_COLUMNS = "key, version, value AS valueJson, schema_version AS schemaVersion";

export class ReplicaReader {
  private readonly db: Database.Database;
  private readonly stmt;
  readonly page: (query: ChangesQuery) => RawPage;

  /** The file must exist (the ReplicaStore creates it). */
  constructor(path: string) {
    this.db = openReadOnly(path);
    this.stmt = {
      position: this.db.prepare<[], StateRow>("SELECT epoch, cursor, head, floor FROM replica_state WHERE id = 1"),
      row: this.db.prepare<[string, string], StoredReplicaRow>(
        `SELECT ${ROW_COLUMNS} FROM rows WHERE collection = ? AND key = ? AND value IS NOT NULL`,
      ),
      rows: this.db.prepare<[string, string, number], StoredReplicaRow>(
        `SELECT ${ROW_COLUMNS} FROM rows WHERE collection = ? AND key > ? AND value IS NOT NULL ORDER BY key LIMIT ?`,
      ),
      all: this.db.prepare<[], StoredReplicaRow & { collection: string }>(
        `SELECT collection, ${ROW_COLUMNS} FROM rows WHERE value IS NOT NULL ORDER BY collection, key`,
      ),
      liveCount: this.db.prepare<[], { n: number }>("SELECT count(*) AS n FROM rows WHERE value IS NOT NULL"),
      first: this.db.prepare<[number, number], FeedRow>(
        `SELECT ${FEED_COLUMNS} FROM rows WHERE version > ? ORDER BY version, collection, key LIMIT ?`,
      ),
      firstLive: this.db.prepare<[number, number], FeedRow>(
        `SELECT ${FEED_COLUMNS} FROM rows WHERE version > ? AND value IS NOT NULL ORDER BY version, collection, key LIMIT ?`,
      ),
      through: this.db.prepare<[number, number], FeedRow>(
        `SELECT ${FEED_COLUMNS} FROM rows WHERE version > ? AND version <= ? ORDER BY version, collection, key`,
      ),
      throughLive: this.db.prepare<[number, number], FeedRow>(
        `SELECT ${FEED_COLUMNS} FROM rows WHERE version > ? AND version <= ? AND value IS NOT NULL ORDER BY version, collection, key`,
      ),
    };
    // One read transaction per page: the region and its rows come from one snapshot,
    // so a page never mixes two commits of the feed loop.
    this.page = this.db.transaction((query: ChangesQuery) =>
      readPageSync(
        {
          region: (name) => this.regionRow(name),
          rows: (fetch) => this.feedRows(fetch),
          liveCount: () => this.stmt.liveCount.get()?.n ?? 0,
        },
        query,
      ),
    );
  }

  position(): ReadPosition {
    const row = this.stmt.position.get();
    return { epoch: row?.epoch ?? undefined, version: row?.cursor ?? 0, head: row?.head ?? 0, floor: row?.floor ?? 0 };
  }

  row(collection: string, key: string): ReplicaRow | undefined {
    const row = this.stmt.row.get(collection, key);
    return row && withSchema(row);
  }

  /** Up to `limit` live rows after `after` in key order ("" = from the first). */
  rows(collection: string, after: string, limit: number): ReplicaRow[] {
    return this.stmt.rows.all(collection, after, limit).map(withSchema);
  }

  /** Every live row, ordered by collection and key. */
  all(): Array<ReplicaRow & { collection: string }> {
    return this.stmt.all.all().map((row) => ({ collection: row.collection, ...withSchema(row) }));
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  /** The replica as the feed's region: its applied cursor is the head it serves. Undefined before the first page. */
  private regionRow(name: string): RegionRow | undefined {
    const state = this.stmt.position.get();
    if (!state || state.cursor === null || state.epoch === null) return undefined;
    return { id: 1, name, epoch: state.epoch, version: state.cursor, floor: state.floor };
  }

  private feedRows(fetch: FeedFetch): readonly FeedRow[] {
    if (fetch.kind === "first") return (fetch.live ? this.stmt.firstLive : this.stmt.first).all(fetch.from, fetch.limit);
    return (fetch.live ? this.stmt.throughLive : this.stmt.through).all(fetch.from, fetch.upTo);
  }
}

/** `schemaVersion` only for values held at a schema version, so schemaless answers stay as the server's. */
function withSchema(row: StoredReplicaRow): ReplicaRow {
  const { schemaVersion, ...rest } = row;
  return schemaVersion === null ? rest : { ...rest, schemaVersion };
}
