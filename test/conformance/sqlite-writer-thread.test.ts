import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SqliteStorage } from "../../src/storage/sqlite/sqlite-storage.js";
import { describeStorageConformance } from "./storage-conformance.js";

/** The same suite with commits on the writer thread and reads on the main thread's connection. */
describeStorageConformance("sqlite, writer thread", async () => {
  const dir = mkdtempSync(join(tmpdir(), "verso-conformance-writer-"));
  const path = join(dir, "verso.db");
  return {
    storage: new SqliteStorage({ path, writerThread: true }),
    reopen: async () => new SqliteStorage({ path, writerThread: true }),
    cleanup: async () => rmSync(dir, { recursive: true, force: true }),
  };
});
