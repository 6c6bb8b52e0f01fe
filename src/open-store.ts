/**
 * Wires a backend under VersoStore: the one place that knows the concrete engines. It
 * sits above every layer so that core and storage never import each other's
 * implementations; PostgreSQL's driver is loaded only when PostgreSQL is asked for.
 */
import { type StoreOptions, VersoStore } from "./core/store.js";
import type { PostgresStorageOptions } from "./storage/postgres/postgres-storage.js";
import { SqliteStorage } from "./storage/sqlite/sqlite-storage.js";
import type { Storage } from "./storage/storage.js";

export const DEFAULT_DB_PATH = "./data/verso.db";

/** Batches in flight on PostgreSQL: one waits on a lock or its commit while others proceed. */
export const POSTGRES_WRITE_CONCURRENCY = 4;

export interface OpenStoreOptions extends StoreOptions {
  /** SQLite file (default ./data/verso.db) or ":memory:". Ignored when `postgres` is given. */
  path?: string;
  /** "full" (default) survives power loss; "normal" survives process crashes only. */
  synchronous?: "full" | "normal";
  /**
   * SQLite: commit on a worker thread, so the fsync of a commit does not hold up the
   * event loop (reads stay on this thread). Ignored for ":memory:" and PostgreSQL.
   */
  writerThread?: boolean;
  /** SQLite: skip the integrity check at open, which reads the whole file. */
  skipIntegrityCheck?: boolean;
  /** PostgreSQL instead of SQLite: a connection string, or the backend's options. */
  postgres?: string | Omit<PostgresStorageOptions, "now" | "log" | "onMigration">;
  /** Hears each step of the storage's upgrade chain run at open (the server logs them). */
  onMigration?: (step: { version: number; description: string }) => void;
}

/** Opens verso in-process: `const store = await openStore({ path: "./data/verso.db" })`. */
export async function openStore(options: OpenStoreOptions = {}): Promise<VersoStore> {
  const storage = options.postgres !== undefined ? await openPostgres(options) : await openSqlite(options);
  const writeConcurrency = options.writeConcurrency ?? (storage.backend === "postgres" ? POSTGRES_WRITE_CONCURRENCY : 1);
  return new VersoStore(storage, { ...options, writeConcurrency });
}

async function openSqlite(options: OpenStoreOptions): Promise<Storage> {
  const storage = new SqliteStorage({
    path: options.path ?? DEFAULT_DB_PATH,
    ...(options.writerThread && { writerThread: true }),
    ...(options.synchronous && { synchronous: options.synchronous }),
    ...(options.skipIntegrityCheck && { skipIntegrityCheck: true }),
    ...(options.now && { now: options.now }),
    ...(options.onMigration && { onMigration: options.onMigration }),
  });
  try {
    await storage.started();
  } catch (error) {
    await storage.close();
    throw error;
  }
  return storage;
}

async function openPostgres(options: OpenStoreOptions): Promise<Storage> {
  const { PostgresStorage } = await import("./storage/postgres/postgres-storage.js");
  const postgres = typeof options.postgres === "string" ? { connectionString: options.postgres } : options.postgres!;
  return PostgresStorage.open({
    ...postgres,
    ...(options.now && { now: options.now }),
    ...(options.log && { log: options.log }),
    ...(options.onMigration && { onMigration: options.onMigration }),
  });
}
