/**
 * Suite "groupcommit": what group commit buys. Put throughput with 1, 8 and 64
 * concurrent callers, in-process, for synchronous=FULL with group commit, FULL without
 * it (maxBatch 1: one commit and one fsync per write), NORMAL with group commit, and FULL
 * with group commit on the writer thread (commits off the event loop).
 */

import type { VersoStore } from "../src/core/store.js";
import { openStore } from "../src/open-store.js";
import type { Figure } from "./figures.js";
import { closedLoop, compare, sample } from "./measure.js";
import type { Settings } from "./settings.js";
import { tempDir } from "./temp.js";
import { COLLECTION, keyFor, REGION, VALUE } from "./workload.js";

export async function groupCommitSuite(settings: Settings): Promise<Figure[]> {
  const temp = tempDir();
  const stores: Record<"full" | "fullSingle" | "normal" | "threaded", VersoStore> = {
    full: await openStore({ path: temp.file("full.db"), synchronous: "full", maintenanceIntervalMs: 0 }),
    fullSingle: await openStore({ path: temp.file("single.db"), synchronous: "full", maxBatch: 1, maintenanceIntervalMs: 0 }),
    normal: await openStore({ path: temp.file("normal.db"), synchronous: "normal", maintenanceIntervalMs: 0 }),
    threaded: await openStore({ path: temp.file("threaded.db"), synchronous: "full", writerThread: true, maintenanceIntervalMs: 0 }),
  };
  const ms = settings.inProcessMs;
  const figures: Figure[] = [];
  try {
    for (const clients of [1, 8, 64]) {
      const load = (store: VersoStore) => () => closedLoop(clients, ms, (i) => store.put(REGION, COLLECTION, keyFor(i), VALUE));
      for (const store of Object.values(stores)) await closedLoop(clients, ms, (i) => store.put(REGION, COLLECTION, keyFor(i), VALUE));
      const result = await sample(settings.inProcessRuns, {
        full: load(stores.full),
        fullSingle: load(stores.fullSingle),
        normal: load(stores.normal),
        threaded: load(stores.threaded),
      });
      figures.push(
        {
          suite: "groupcommit",
          name: `put c=${clients} group commit vs maxBatch 1`,
          synchronous: "FULL",
          unit: "ops/s",
          ...compare(result.full, result.fullSingle),
        },
        {
          suite: "groupcommit",
          name: `put c=${clients} NORMAL vs FULL (both grouped)`,
          synchronous: "NORMAL",
          unit: "ops/s",
          ...compare(result.normal, result.full),
        },
        {
          suite: "groupcommit",
          name: `put c=${clients} writer thread vs event loop (both grouped)`,
          synchronous: "FULL",
          unit: "ops/s",
          ...compare(result.threaded, result.full),
        },
      );
    }
  } finally {
    for (const store of Object.values(stores)) await store.close();
    temp.remove();
  }
  return figures;
}
