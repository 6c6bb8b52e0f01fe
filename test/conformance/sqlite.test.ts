import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SqliteStorage } from "../../src/storage/sqlite/sqlite-storage.js";
import { describeStorageConformance } from "./storage-conformance.js";

describeStorageConformance("sqlite", async () => {
  const dir = mkdtempSync(join(tmpdir(), "verso-conformance-"));
  const path = join(dir, "verso.db");
  return {
    storage: new SqliteStorage({ path }),
    reopen: async () => new SqliteStorage({ path }),
    cleanup: async () => rmSync(dir, { recursive: true, force: true }),
  };
});
