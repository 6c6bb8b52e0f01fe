/**
 * The embedded backend: one better-sqlite3 connection. Every method runs synchronously
 * to completion (no await inside a transaction), so a reader on the same connection can
 * never observe a half-applied batch, and one connection is all the process needs.
 *
 * With `writerThread`, batches and idempotency sweeps run on a second connection in a
 * worker thread (writer-thread.ts), so their commits and fsyncs leave the event loop
 * free; this connection goes on reading (WAL: it sees each commit once it is made, never
 * part of one) and keeps the rare writes of tokens, schemas and agents' reports.
 */
import type Database from "better-sqlite3";
import { emptyRegion, schemaOf, toRegion } from "../../model/feed-rows.js";
import type { ChangesQuery, RawPage, StoredRow } from "../../model/raw-page.js";
import type { WriteCommand } from "../../model/write-command.js";
import type { WriteResult } from "../../model/write-outcome.js";
import type { Region } from "../../protocol/types.js";
import type { AgentStorage } from "../agent-storage.js";
import type { SchemaStorage } from "../schema-storage.js";
import { committedHeads } from "../shared.js";
import type { CommitObserver, Storage } from "../storage.js";
import type { TokenStorage } from "../token-storage.js";
import { openVersoFile, type VersoFileOptions } from "./open-verso-file.js";
import { type PageReader, pageReader } from "./read-page.js";
import { SqliteAgentStorage } from "./sqlite-agent-storage.js";
import { SqliteSchemaStorage } from "./sqlite-schema-storage.js";
import { SqliteTokenStorage } from "./sqlite-token-storage.js";
import { type Statements, statements } from "./statements.js";
import { type BatchWriter, batchWriter } from "./write-batch.js";
import { WriterThread } from "./writer-thread.js";

export interface SqliteStorageOptions extends VersoFileOptions {
  /** Clock in ms, injectable so retention can be tested without waiting. */
  now?: () => number;
  /** Commits on a worker thread, off the event loop (ignored for ":memory:", which only its own connection sees). */
  writerThread?: boolean;
}

export class SqliteStorage implements Storage {
  readonly backend = "sqlite";
  private readonly db: Database.Database;
  private readonly closeFile: () => void;
  private readonly observers = new Set<CommitObserver>();
  private readonly sql: Statements;
  private readonly writeBatch: BatchWriter;
  private readonly readPage: PageReader;
  private readonly tokenStorage: SqliteTokenStorage;
  private readonly schemaStorage: SqliteSchemaStorage;
  private readonly agentStorage: SqliteAgentStorage;
  private readonly clock: () => number;
  private readonly writer: WriterThread | undefined;

  constructor(options: SqliteStorageOptions) {
    ({ db: this.db, close: this.closeFile } = openVersoFile(options));
    this.sql = statements(this.db);
    this.clock = options.now ?? Date.now;
    this.writeBatch = batchWriter(this.db, this.sql, this.clock);
    if (options.writerThread && options.path !== ":memory:") {
      this.writer = new WriterThread({ path: options.path, ...(options.synchronous && { synchronous: options.synchronous }) });
    }
    this.readPage = pageReader(this.db, this.sql);
    this.tokenStorage = new SqliteTokenStorage(this.db);
    this.schemaStorage = new SqliteSchemaStorage(this.db);
    this.agentStorage = new SqliteAgentStorage(this.db);
  }

  /** Resolves once the storage can write (the writer thread, when there is one, has opened the file). */
  async started(): Promise<void> {
    await this.writer?.ready;
  }

  tokens(): TokenStorage {
    return this.tokenStorage;
  }

  schemas(): SchemaStorage {
    return this.schemaStorage;
  }

  agents(): AgentStorage {
    return this.agentStorage;
  }

  async sizeBytes(): Promise<number> {
    const pages = Number(this.db.pragma("page_count", { simple: true }));
    return pages * Number(this.db.pragma("page_size", { simple: true }));
  }

  async write(batch: readonly WriteCommand[]): Promise<Array<WriteResult | Error>> {
    const results = this.writer ? await this.writer.write(batch, this.clock()) : this.writeBatch(batch);
    for (const [region, head] of committedHeads(results)) for (const observer of this.observers) observer(region, head);
    return results;
  }

  async region(name: string): Promise<Region> {
    const row = this.sql.region.get(name);
    return row ? toRegion(row) : emptyRegion(name);
  }

  async regions(): Promise<Region[]> {
    return this.sql.regions.all().map(toRegion);
  }

  async row(region: string, collection: string, key: string): Promise<StoredRow | undefined> {
    const row = this.sql.liveRowIn.get(region, collection, key);
    if (!row) return undefined;
    return { collection, key, version: row.version, valueJson: row.value, ...schemaOf(row.schema_version) };
  }

  async rows(region: string, collection: string, after: string | null, limit: number): Promise<StoredRow[]> {
    const regionRow = this.sql.region.get(region);
    if (!regionRow) return [];
    return this.sql.liveRows
      .all(regionRow.id, collection, after ?? "", limit)
      .map((row) => ({ collection, key: row.key, version: row.version, valueJson: row.value, ...schemaOf(row.schema_version) }));
  }

  async changes(query: ChangesQuery): Promise<RawPage> {
    return this.readPage(query);
  }

  async replicacheClients(region: string, clientGroupID: string, after: number, upTo: number) {
    return this.sql.replicacheChanges
      .all(region, clientGroupID, after, upTo)
      .map((row) => ({ clientID: row.client_id, lastMutationID: row.last_mutation_id }));
  }

  async tombstoneHorizons(before: number): Promise<Array<{ region: string; version: number }>> {
    return this.sql.tombstoneHorizons.all(before).map((row) => ({ region: row.name, version: row.version }));
  }

  async sweepIdempotency(before: number): Promise<number> {
    return this.writer ? this.writer.sweep(before) : this.sql.sweep.run(before).changes;
  }

  onCommit(observer: CommitObserver): () => void {
    this.observers.add(observer);
    return () => this.observers.delete(observer);
  }

  async close(): Promise<void> {
    // The writer's connection closes first: the file stays owned while anything writes it.
    await this.writer?.close();
    this.observers.clear();
    this.closeFile();
  }
}
