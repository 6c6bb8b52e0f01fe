import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describeReplicache } from "./replicache-suite.js";

describeReplicache("sqlite", {
  fresh: async () => {
    const dir = mkdtempSync(join(tmpdir(), "verso-replicache-"));
    const path = join(dir, "verso.db");
    return { store: { path }, serveArgs: ["--db", path], cleanup: async () => rmSync(dir, { recursive: true, force: true }) };
  },
});
