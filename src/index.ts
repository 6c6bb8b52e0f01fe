/**
 * verso embedded: the store in your process, on a SQLite file (or PostgreSQL), and the
 * protocol's types and errors. The HTTP server is `verso/server`, the HTTP client
 * `verso/client`, the edge agent `verso/agent`.
 */

export type { ChangesOptions, ReadOptions, StoreOptions, VersoStore } from "./core/store.js";
export { storeVersionCounter, type VersionCounter } from "./core/version-counter.js";
export { DEFAULT_DB_PATH, type OpenStoreOptions, openStore } from "./open-store.js";
export * from "./protocol/index.js";
