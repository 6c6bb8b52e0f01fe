/**
 * Suite "schemas": what typed collections cost. A put into a collection with a schema
 * (validated with ajv, its version recorded) against the same put into a schemaless
 * collection of the same store; and reading the feed with every value projected from
 * the version it was written under to an older one (parse, project, validate, serialise)
 * against the same pages spliced as stored. Both in-process, per CPU-second of this
 * process with synchronous=NORMAL, so the figures are the CPU cost of schemas alone.
 */
import type { VersoStore } from "../src/core/store.js";
import { internalsOf } from "../src/core/store-internals.js";
import { serializePage } from "../src/model/page-json.js";
import { openStore } from "../src/open-store.js";
import type { JsonSchema } from "../src/protocol/schemas.js";
import type { Figure } from "./figures.js";
import { closedLoop, versus } from "./measure.js";
import type { Settings } from "./settings.js";
import { tempDir } from "./temp.js";
import { keyFor, REGION, VALUE } from "./workload.js";

/** The shape of workload.ts's VALUE, closed, as a control plane would declare it. */
const V1: JsonSchema = {
  type: "object",
  properties: {
    image: { type: "string", minLength: 1 },
    replicas: { type: "integer", minimum: 0 },
    env: { type: "object", additionalProperties: { type: "string" } },
    paused: { type: "boolean", default: false },
  },
  required: ["image", "replicas"],
  additionalProperties: false,
};
const V2: JsonSchema = { ...V1, properties: { ...(V1.properties as object), tier: { enum: ["web", "batch"], default: "web" } } };
const FEED_REGION = "schemas-feed";
const PAGE = 1000;

export async function schemasSuite(settings: Settings): Promise<Figure[]> {
  const temp = tempDir();
  const figures: Figure[] = [];
  const store = await openStore({ path: temp.file("schemas.db"), synchronous: "normal", maintenanceIntervalMs: 0 });
  try {
    await store.registerSchema("typed", V1);
    await store.registerSchema("typed", V2);
    const put = (collection: string) => (i: number) => store.put(REGION, collection, keyFor(i), { ...VALUE, tier: "batch" });
    const typed = put("typed");
    const schemaless = put("schemaless");
    await closedLoop(64, settings.inProcessMs, typed);
    await closedLoop(64, settings.inProcessMs, schemaless);
    figures.push({
      suite: "schemas",
      name: "put c=64 typed vs schemaless",
      synchronous: "NORMAL",
      unit: "ops/cpu-s",
      ...(await versus(
        settings.inProcessRuns,
        () => closedLoop(64, settings.inProcessMs, typed, "cpu"),
        () => closedLoop(64, settings.inProcessMs, schemaless, "cpu"),
      )),
    });

    await populate(store);
    const projected = () => readPage(store, { typed: 1 });
    const asStored = () => readPage(store, undefined);
    await closedLoop(1, settings.inProcessMs, projected);
    await closedLoop(1, settings.inProcessMs, asStored);
    figures.push({
      suite: "schemas",
      name: `feed page of ${PAGE} at v1 vs as stored`,
      synchronous: "NORMAL",
      unit: "pages/cpu-s",
      ...(await versus(
        settings.inProcessRuns,
        () => closedLoop(1, settings.inProcessMs, projected, "cpu"),
        () => closedLoop(1, settings.inProcessMs, asStored, "cpu"),
      )),
    });
  } finally {
    await store.close();
    temp.remove();
  }
  return figures;
}

/** One page of rows written under version 2, each of which a version 1 reader gets without `tier`. */
async function populate(store: VersoStore): Promise<void> {
  for (let start = 0; start < PAGE; start += 500) {
    const ops = Array.from({ length: 500 }, (_, i) => ({
      op: "put" as const,
      collection: "typed",
      key: `item-${start + i}`,
      value: { ...VALUE, replicas: (start + i) % 7, tier: "batch" },
    }));
    await store.transact(FEED_REGION, ops);
  }
}

async function readPage(store: VersoStore, schemas: { typed: number } | undefined): Promise<number> {
  const page = await internalsOf(store).changesRaw(FEED_REGION, { since: 0, limit: PAGE, ...(schemas && { schemas }) });
  if (page.ops.length !== PAGE) throw new Error(`a page of ${page.ops.length} ops, expected ${PAGE}`);
  return serializePage(page).length;
}
