/**
 * Readers' side of the replica file: its own read-only connection (WAL), so reads never
 * wait for the feed loop's transactions nor hold them up. Rows keep their JSON text, so
 * the listener splices values into responses unparsed. A reset in progress lives in
 * `reset_rows` and is swapped in by one commit, so a reader sees the old rows or the new
 * ones, never a mix.
 */
import type Database from "better-sqlite3";
import type { StoredRow } from "../model/raw-page.js";
import { openReadOnly } from "../sqlite/open-database.js";

/** What readers are shown of the replica: the applied position and the head last seen. */
export interface ReadPosition {
  epoch: string | undefined;
  /** Version of the rows readers see (the applied cursor); 0 before the first page. */
  version: number;
  head: number;
}

export type ReplicaRow = Pick<StoredRow, "key" | "version" | "valueJson">;

export class ReplicaReader {
  private readonly db: Database.Database;
  private readonly stmt;

  /** The file must exist (the ReplicaStore creates it). */
  constructor(path: string) {
    this.db = openReadOnly(path);
    this.stmt = {
      position: this.db.prepare<[], { epoch: string | null; cursor: number | null; head: number }>(
        "SELECT epoch, cursor, head FROM replica_state WHERE id = 1",
      ),
      row: this.db.prepare<[string, string], ReplicaRow>(
        "SELECT key, version, value AS valueJson FROM rows WHERE collection = ? AND key = ?",
      ),
      rows: this.db.prepare<[string, string, number], ReplicaRow>(
        "SELECT key, version, value AS valueJson FROM rows WHERE collection = ? AND key > ? ORDER BY key LIMIT ?",
      ),
      all: this.db.prepare<[], ReplicaRow & { collection: string }>(
        "SELECT collection, key, version, value AS valueJson FROM rows ORDER BY collection, key",
      ),
    };
  }

  position(): ReadPosition {
    const row = this.stmt.position.get();
    return { epoch: row?.epoch ?? undefined, version: row?.cursor ?? 0, head: row?.head ?? 0 };
  }

  row(collection: string, key: string): ReplicaRow | undefined {
    return this.stmt.row.get(collection, key);
  }

  /** Up to `limit` live rows after `after` in key order ("" = from the first). */
  rows(collection: string, after: string, limit: number): ReplicaRow[] {
    return this.stmt.rows.all(collection, after, limit);
  }

  /** Every row, ordered by collection and key. */
  all(): Array<ReplicaRow & { collection: string }> {
    return this.stmt.all.all();
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
