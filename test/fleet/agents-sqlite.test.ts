import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { openStore } from "../../src/open-store.js";
import { fleetStory, skewedClock } from "./fleet-story.js";

describe("the fleet on SQLite", () => {
  const dir = mkdtempSync(join(tmpdir(), "verso-fleet-"));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("agents caught up, paused and killed are live, behind and stale, with their lags", async () => {
    const clock = skewedClock();
    const store = await openStore({ path: join(dir, "server.db"), synchronous: "normal", maintenanceIntervalMs: 0, now: clock.now });
    try {
      await fleetStory({ stores: [store], clock, dir });
    } finally {
      await store.close();
    }
  });
});
