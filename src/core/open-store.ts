import { SqliteStorage } from "../storage/sqlite/sqlite-storage.js";
import type { Storage } from "../storage/storage.js";
import { type StoreOptions, VersoStore } from "./store.js";

export const DEFAULT_DB_PATH = "./data/verso.db";

export interface OpenStoreOptions extends StoreOptions {
  /** SQLite file (default ./data/verso.db) or ":memory:". Ignored when `storage` is given. */
  path?: string;
  /** "full" (default) survives power loss; "normal" survives process crashes only. */
  synchronous?: "full" | "normal";
  /** A storage backend to use instead of SQLite. */
  storage?: Storage;
}

/** Opens verso in-process: `const store = await openStore({ path: "./data/verso.db" })`. */
export async function openStore(options: OpenStoreOptions = {}): Promise<VersoStore> {
  const storage =
    options.storage ??
    new SqliteStorage({
      path: options.path ?? DEFAULT_DB_PATH,
      ...(options.synchronous && { synchronous: options.synchronous }),
      ...(options.now && { now: options.now }),
    });
  return new VersoStore(storage, options);
}
