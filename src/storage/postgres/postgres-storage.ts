/**
 * The PostgreSQL backend: the same contract as SQLite, for several API nodes sharing
 * one database. Each region's counter is a row whose lock every write holds until
 * commit (no sequence: sequences are not transactional), so writes to one region
 * commit in version order while writes to different regions run in parallel. Commits
 * are announced with NOTIFY inside the write transaction and heard by every node.
 */
import type pg from "pg";
import { emptyRegion, type RegionRow, schemaOf, toRegion } from "../../model/feed-rows.js";
import type { ChangesQuery, RawPage, StoredRow } from "../../model/raw-page.js";
import type { WriteCommand } from "../../model/write-command.js";
import type { WriteResult } from "../../model/write-outcome.js";
import type { Region } from "../../protocol/types.js";
import type { AgentStorage } from "../agent-storage.js";
import type { SchemaStorage } from "../schema-storage.js";
import type { CommitObserver, Storage } from "../storage.js";
import type { TokenStorage } from "../token-storage.js";
import { durabilityWarnings, newClient, openPool } from "./connect.js";
import { migrate, PG_MIGRATIONS } from "./migrations.js";
import { NotificationListener } from "./notification-listener.js";
import type { NotifyMode } from "./notify.js";
import { PostgresAgentStorage } from "./postgres-agent-storage.js";
import { PostgresSchemaStorage } from "./postgres-schema-storage.js";
import { PostgresTokenStorage } from "./postgres-token-storage.js";
import { readPage } from "./read-page.js";
import { checkSchemaName, commitChannel, DEFAULT_SCHEMA, quoted } from "./schema-name.js";
import { type Statements, statements } from "./statements.js";
import { type BatchContext, writeBatch } from "./write-batch.js";

const APPLICATION_NAME = "verso";

export interface PostgresStorageOptions {
  /** postgres://user:password@host:port/database */
  connectionString: string;
  /**
   * Where the LISTEN connection goes, when it must bypass a transaction-mode pooler
   * (PgBouncer): LISTEN needs a server session of its own. Default: connectionString.
   */
  listenConnectionString?: string;
  /** PostgreSQL schema holding verso's tables (created when missing). Default "verso". */
  schema?: string;
  /** Most pooled connections of this node, for reads and writes. Default 10. */
  poolSize?: number;
  /** Clock in ms, injectable so retention can be tested without waiting. */
  now?: () => number;
  log?: (line: string) => void;
  /** How commits are announced to other nodes (see notify.ts). Default "in-transaction". */
  notify?: NotifyMode;
  /** First delay before re-opening a lost LISTEN connection (doubles up to 5 s). Default 100 ms. */
  listenRetryMs?: number;
  /** Hears each step of the upgrade chain this node ran at open. */
  onMigration?: (step: { version: number; description: string }) => void;
}

export class PostgresStorage implements Storage {
  readonly backend = "postgres";
  readonly schema: string;
  /** This node's LISTEN connection: started by open, stopped by close. */
  readonly listener: NotificationListener;
  private readonly sql: Statements;
  private readonly context: BatchContext;
  private readonly observers = new Set<CommitObserver>();
  private readonly published = new Map<string, number>();
  private closing: Promise<void> | undefined;
  private readonly tokenStorage: PostgresTokenStorage;
  private readonly schemaStorage: PostgresSchemaStorage;
  private readonly agentStorage: PostgresAgentStorage;
  /** Counters for operations: batches written, and those whose transaction failed and were retried command by command. */
  readonly stats = { batches: 0, retriedBatches: 0 };

  private readonly onMigration: PostgresStorageOptions["onMigration"];

  private constructor(
    private readonly pool: pg.Pool,
    schema: string,
    options: PostgresStorageOptions,
    log: (line: string) => void,
  ) {
    this.schema = schema;
    this.onMigration = options.onMigration;
    this.sql = statements(schema);
    this.context = {
      pool,
      sql: this.sql,
      channel: commitChannel(schema),
      notify: options.notify ?? "in-transaction",
      now: options.now ?? Date.now,
      log,
    };
    this.listener = new NotificationListener({
      channel: commitChannel(schema),
      connect: () =>
        newClient({ connectionString: options.listenConnectionString ?? options.connectionString, applicationName: APPLICATION_NAME }),
      onCommit: (region, head) => this.publish(region, head),
      onListening: async (reconnected) => {
        if (reconnected) await this.publishAllHeads();
      },
      log,
      ...(options.listenRetryMs !== undefined && { retryMs: options.listenRetryMs }),
    });
    this.tokenStorage = new PostgresTokenStorage(pool, this.sql);
    this.schemaStorage = new PostgresSchemaStorage(pool, quoted(schema));
    this.agentStorage = new PostgresAgentStorage(pool, schema);
  }

  /** Connects, migrates the schema and starts listening for commits of every node. */
  static async open(options: PostgresStorageOptions): Promise<PostgresStorage> {
    const schema = checkSchemaName(options.schema ?? DEFAULT_SCHEMA);
    const log = options.log ?? (() => {});
    const pool = openPool(
      { connectionString: options.connectionString, applicationName: APPLICATION_NAME, poolSize: options.poolSize ?? 10 },
      log,
    );
    const storage = new PostgresStorage(pool, schema, options, log);
    try {
      await storage.start();
    } catch (error) {
      await storage.close();
      throw error;
    }
    return storage;
  }

  private async start(): Promise<void> {
    const client = await this.pool.connect();
    try {
      await migrate(client, this.schema, PG_MIGRATIONS, this.onMigration);
    } finally {
      client.release();
    }
    await this.listener.start();
    for (const warning of await durabilityWarnings(this.pool)) this.context.log(`WARNING: ${warning}`);
  }

  async write(batch: readonly WriteCommand[]): Promise<Array<WriteResult | Error>> {
    if (this.closing) throw new Error("the storage is closed");
    const { results, heads, retried } = await writeBatch(this.context, batch);
    this.stats.batches++;
    if (retried) this.stats.retriedBatches++;
    // This node hears its own NOTIFY too; publishing now spares local waiters that round trip.
    for (const [region, head] of heads) this.publish(region, head);
    return results;
  }

  async region(name: string): Promise<Region> {
    const row = (await this.pool.query<RegionRow>(this.sql.region, [name])).rows[0];
    return row ? toRegion(row) : emptyRegion(name);
  }

  async regions(): Promise<Region[]> {
    return (await this.pool.query<RegionRow>(this.sql.regions)).rows.map(toRegion);
  }

  async row(region: string, collection: string, key: string): Promise<StoredRow | undefined> {
    const row = (
      await this.pool.query<{ version: number; value: string | null; schema_version: number | null }>(this.sql.row, [
        region,
        collection,
        key,
      ])
    ).rows[0];
    if (!row || row.value === null) return undefined;
    return { collection, key, version: row.version, valueJson: row.value, ...schemaOf(row.schema_version) };
  }

  async rows(region: string, collection: string, after: string | null, limit: number): Promise<StoredRow[]> {
    const { rows } = await this.pool.query<{ key: string; version: number; value: string; schema_version: number | null }>(
      this.sql.liveRows,
      [region, collection, after ?? "", limit],
    );
    return rows.map((row) => ({ collection, key: row.key, version: row.version, valueJson: row.value, ...schemaOf(row.schema_version) }));
  }

  changes(query: ChangesQuery): Promise<RawPage> {
    return readPage(this.pool, this.sql, query);
  }

  async replicacheClients(region: string, clientGroupID: string, after: number, upTo: number) {
    const { rows } = await this.pool.query<{ client_id: string; last_mutation_id: number }>(this.sql.replicacheChanges, [
      region,
      clientGroupID,
      after,
      upTo,
    ]);
    return rows.map((row) => ({ clientID: row.client_id, lastMutationID: row.last_mutation_id }));
  }

  async tombstoneHorizons(before: number): Promise<Array<{ region: string; version: number }>> {
    const { rows } = await this.pool.query<{ name: string; version: number }>(this.sql.tombstoneHorizons, [before]);
    return rows.map((row) => ({ region: row.name, version: row.version }));
  }

  async sweepIdempotency(before: number): Promise<number> {
    return (await this.pool.query(this.sql.sweep, [before])).rowCount ?? 0;
  }

  /** Tokens in this schema: every node on it sees the same ones. */
  tokens(): TokenStorage {
    return this.tokenStorage;
  }

  /** Schema versions in this schema: every node on it sees the same ones. */
  schemas(): SchemaStorage {
    return this.schemaStorage;
  }

  /** Bytes of this schema's tables, indexes and TOAST. */
  async sizeBytes(): Promise<number> {
    const { rows } = await this.pool.query<{ bytes: string | null }>(
      `SELECT sum(pg_total_relation_size(c.oid))::bigint AS bytes FROM pg_class c
       JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relkind = 'r'`,
      [this.schema],
    );
    return Number(rows[0]?.bytes ?? 0);
  }

  /** Agents' reports in this schema: every node on it answers for every agent. */
  agents(): AgentStorage {
    return this.agentStorage;
  }

  onCommit(observer: CommitObserver): () => void {
    this.observers.add(observer);
    return () => this.observers.delete(observer);
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      this.observers.clear();
      await this.listener.stop();
      await this.pool.end();
    })();
    return this.closing;
  }

  /**
   * Tells observers a region's new head, once: a node hears its own NOTIFY after it has
   * already published the commit, and NOTIFYs of other nodes may arrive late, so only a
   * head above the highest one published for the region is passed on.
   */
  private publish(region: string, head: number): void {
    if (head <= (this.published.get(region) ?? 0)) return;
    this.published.set(region, head);
    for (const observer of this.observers) observer(region, head);
  }

  /** After a gap in notifications: every region's head, so waiters re-check. */
  private async publishAllHeads(): Promise<void> {
    const { rows } = await this.pool.query<{ name: string; version: number }>(this.sql.heads);
    for (const row of rows) this.publish(row.name, row.version);
  }
}
