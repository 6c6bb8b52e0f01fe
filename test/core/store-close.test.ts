import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { VersoStore } from "../../src/core/store.js";
import { SqliteStorage } from "../../src/storage/sqlite/sqlite-storage.js";
import type { Storage } from "../../src/storage/storage.js";

describe("VersoStore.close", () => {
  it("waits for a maintenance run in progress before closing storage", async () => {
    const events: string[] = [];
    let release: (() => void) | undefined;
    let entered: (() => void) | undefined;
    const inHorizons = new Promise<void>((resolve) => (entered = resolve));
    const sqlite = new SqliteStorage({ path: ":memory:" });
    // The run stops inside its tombstone scan until the test lets it go on.
    const storage = new Proxy(sqlite, {
      get(target, property) {
        if (property === "tombstoneHorizons") {
          return async (before: number) => {
            events.push("scan started");
            entered?.();
            await new Promise<void>((resolve) => (release = resolve));
            const horizons = await target.tombstoneHorizons(before);
            events.push("scan finished");
            return horizons;
          };
        }
        if (property === "close") {
          return async () => {
            events.push("storage closed");
            await target.close();
          };
        }
        const value = Reflect.get(target, property, target);
        return typeof value === "function" ? value.bind(target) : value;
      },
    }) as Storage;
    const logs: string[] = [];
    const store = new VersoStore(storage, { maintenanceIntervalMs: 0, tombstoneRetentionMs: 1, log: (line) => logs.push(line) });
    await store.put("r", "c", "k", 1);
    await store.delete("r", "c", "k");
    const run = store.runMaintenance();
    await inHorizons;
    const closed = store.close();
    release?.();
    await Promise.all([run, closed]);
    assert.deepEqual(events, ["scan started", "scan finished", "storage closed"]);
    assert.deepEqual(
      logs.filter((line) => line.includes("failed")),
      [],
      "the run was not cut short by a closed store",
    );
    await store.runMaintenance();
    assert.equal(events.length, 3, "a closed store runs no more upkeep");
  });
});
