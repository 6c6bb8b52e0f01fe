import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { openStore } from "../../src/open-store.js";
import { dropSchema, PG_URL, randomSchema, SKIP_POSTGRES } from "../postgres/pg-env.js";
import { fleetStory, skewedClock } from "./fleet-story.js";

describe("the fleet on PostgreSQL, two nodes", { skip: SKIP_POSTGRES }, () => {
  const dir = mkdtempSync(join(tmpdir(), "verso-fleet-"));
  const schema = randomSchema();
  after(async () => {
    rmSync(dir, { recursive: true, force: true });
    await dropSchema(schema);
  });

  it("agents caught up, paused, killed and on another node are live, behind and stale, with their lags", async () => {
    const clock = skewedClock();
    const open = () => openStore({ postgres: { connectionString: PG_URL, schema, poolSize: 4 }, maintenanceIntervalMs: 0, now: clock.now });
    const stores = [await open(), await open()];
    try {
      await fleetStory({ stores, clock, dir });
    } finally {
      for (const store of stores) await store.close();
    }
  });
});
