/**
 * Suite "inprocess": VersoStore (openStore on a temp file) against raw better-sqlite3
 * running the same statements, one transaction per operation. With 64 outstanding
 * calls verso's group commit shares commits; the raw baseline still commits each.
 * Under synchronous=NORMAL a WAL commit does not fsync, so those figures count
 * operations per CPU-second of this process: verso's CPU cost over the raw statements,
 * little disturbed by other work on the machine.
 */

import type { VersoStore } from "../src/core/store.js";
import { openStore } from "../src/open-store.js";
import type { Synchronous } from "../src/sqlite/open-database.js";
import type { Figure } from "./figures.js";
import { closedLoop, versus } from "./measure.js";
import { RawSqlite } from "./raw-sqlite.js";
import type { Settings } from "./settings.js";
import { tempDir } from "./temp.js";
import { COLLECTION, idempotencyKeys, keyFor, REGION, VALUE } from "./workload.js";

type Operation = "nextVersion" | "put" | "put+Idempotency-Key";

const CASES: Array<{ synchronous: Synchronous; clients: number; operations: Operation[] }> = [
  { synchronous: "full", clients: 1, operations: ["nextVersion", "put", "put+Idempotency-Key"] },
  { synchronous: "full", clients: 64, operations: ["nextVersion", "put", "put+Idempotency-Key"] },
  { synchronous: "normal", clients: 1, operations: ["nextVersion", "put"] },
  { synchronous: "normal", clients: 64, operations: ["put"] },
];

function operations(store: VersoStore, raw: RawSqlite, operation: Operation): [(i: number) => unknown, (i: number) => unknown] {
  switch (operation) {
    case "nextVersion":
      return [() => store.nextVersion(REGION), () => raw.nextVersion(REGION)];
    case "put":
      return [(i) => store.put(REGION, COLLECTION, keyFor(i), VALUE), (i) => raw.put(REGION, COLLECTION, keyFor(i), VALUE)];
    case "put+Idempotency-Key": {
      const versoKey = idempotencyKeys();
      const rawKey = idempotencyKeys();
      return [
        (i) => store.put(REGION, COLLECTION, keyFor(i), VALUE, { idempotencyKey: versoKey() }),
        (i) => raw.put(REGION, COLLECTION, keyFor(i), VALUE, rawKey()),
      ];
    }
  }
}

export async function inProcessSuite(settings: Settings): Promise<Figure[]> {
  const temp = tempDir();
  const ms = settings.inProcessMs;
  const figures: Figure[] = [];
  try {
    for (const synchronous of ["full", "normal"] as const) {
      const store = await openStore({ path: temp.file(`verso-${synchronous}.db`), synchronous, maintenanceIntervalMs: 0 });
      const raw = new RawSqlite(temp.file(`raw-${synchronous}.db`), synchronous);
      try {
        for (const { clients, operations: names } of CASES.filter((c) => c.synchronous === synchronous)) {
          for (const name of names) {
            const [verso, baseline] = operations(store, raw, name);
            // A short untimed pass warms the JIT and the page cache on both sides.
            await closedLoop(clients, ms, verso);
            await closedLoop(clients, ms, baseline);
            const clock = synchronous === "full" ? "wall" : "cpu";
            const result = await versus(
              settings.inProcessRuns,
              () => closedLoop(clients, ms, verso, clock),
              () => closedLoop(clients, ms, baseline, clock),
            );
            figures.push({
              suite: "inprocess",
              name: `${name} c=${clients} vs raw SQL`,
              synchronous: synchronous === "full" ? "FULL" : "NORMAL",
              unit: clock === "wall" ? "ops/s" : "ops/cpu-s",
              ...result,
            });
          }
        }
      } finally {
        await store.close();
        raw.close();
      }
    }
  } finally {
    temp.remove();
  }
  return figures;
}
