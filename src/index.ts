/** verso's public API for embedding: the store, its storage backends and the protocol. */

export { VersoClient } from "./client/http-client.js";
export { DEFAULT_DB_PATH, type OpenStoreOptions, openStore } from "./core/open-store.js";
export {
  type ChangesOptions,
  type ConditionalWriteOptions,
  type ReadOptions,
  type StoreOptions,
  VersoStore,
  type WriteOptions,
} from "./core/store.js";
export { storeVersionCounter, type VersionCounter } from "./core/version-counter.js";
export * from "./protocol/index.js";
export { buildApp } from "./server/app.js";
export { type RunningServer, startServer } from "./server/serve.js";
export { SqliteStorage } from "./storage/sqlite/sqlite-storage.js";
export type { Storage } from "./storage/storage.js";
