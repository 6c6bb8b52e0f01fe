/**
 * Suite "inprocess": VersoStore (openStore on a temp file) against raw better-sqlite3
 * running the same statements, one transaction per operation. With 64 outstanding
 * calls verso's group commit shares commits; the raw baseline still commits each.
 */
import { openStore } from "../src/core/open-store.js";
import type { Figure } from "./figures.js";
import { closedLoop, medians } from "./measure.js";
import { RawSqlite } from "./raw-sqlite.js";
import type { Settings } from "./settings.js";
import { tempDir } from "./temp.js";
import { COLLECTION, idempotencyKeys, keyFor, REGION, VALUE } from "./workload.js";

export async function inProcessSuite(settings: Settings): Promise<Figure[]> {
  const temp = tempDir();
  const store = await openStore({ path: temp.file("verso.db"), synchronous: "full", maintenanceIntervalMs: 0 });
  const raw = new RawSqlite(temp.file("raw.db"), "full");
  const ms = settings.inProcessMs;
  const figures: Figure[] = [];
  const compare = async (name: string, clients: number, verso: (i: number) => unknown, baseline: (i: number) => unknown) => {
    // A short untimed pass warms the JIT and the page cache on both sides.
    await closedLoop(clients, ms / 5, verso);
    await closedLoop(clients, ms / 5, baseline);
    const result = await medians(settings.runs, {
      verso: () => closedLoop(clients, ms, verso),
      baseline: () => closedLoop(clients, ms, baseline),
    });
    figures.push({ suite: "inprocess", name, synchronous: "FULL", unit: "ops/s", ...result });
  };
  try {
    for (const clients of [1, 64]) {
      await compare(
        `nextVersion c=${clients} vs raw SQL`,
        clients,
        () => store.nextVersion(REGION),
        () => raw.nextVersion(REGION),
      );
      await compare(
        `put c=${clients} vs raw SQL`,
        clients,
        (i) => store.put(REGION, COLLECTION, keyFor(i), VALUE),
        (i) => raw.put(REGION, COLLECTION, keyFor(i), VALUE),
      );
      const versoKey = idempotencyKeys();
      const rawKey = idempotencyKeys();
      await compare(
        `put+Idempotency-Key c=${clients} vs raw SQL`,
        clients,
        (i) => store.put(REGION, COLLECTION, keyFor(i), VALUE, { idempotencyKey: versoKey() }),
        (i) => raw.put(REGION, COLLECTION, keyFor(i), VALUE, rawKey()),
      );
    }
  } finally {
    await store.close();
    raw.close();
    temp.remove();
  }
  return figures;
}
