/**
 * Rewriting the stored rows of a collection under one schema version, the way
 * Kubernetes' storage version migrator rewrites objects: batch by batch, each batch an
 * ordinary transaction at a new region version, each row conditioned on the version it
 * was read at, so a write that lands meanwhile is never overwritten (the batch is read
 * again instead). Rows already at the version are skipped, which makes a run that was
 * killed halfway resumable by running it again.
 */
import type { StoredRow } from "../model/raw-page.js";
import type { WriteCommand } from "../model/write-command.js";
import { BadRequestError, VersionMismatchError } from "../protocol/errors.js";
import type { UpgradeBatch, UpgradeResult } from "../protocol/schemas.js";
import { checkName, checkNonNegativeInt } from "./commands.js";
import type { StoreInternals } from "./store-internals.js";

export const DEFAULT_UPGRADE_BATCH = 100;
/** A batch read again this many times because writers kept changing its rows: the upgrade gives up (and can be run again). */
const MAX_BATCH_ATTEMPTS = 20;

export interface UpgradeStep {
  collection: string;
  to: number;
  region: string;
  /** The key after which this batch starts (null: the first batch). */
  after: string | null;
  limit: number;
}

/** One batch: rewrites the rows of `region` after `after` (at most `limit` read) that are not at version `to`. */
export async function upgradeBatch(store: StoreInternals, step: UpgradeStep): Promise<UpgradeBatch> {
  const { collection, to, region, after, limit } = step;
  await store.schemas.resolve({ [collection]: to });
  for (let attempt = 0; ; attempt++) {
    const { rows, next } = await store.listRaw(region, collection, after, limit);
    const stale = rows.filter((row) => row.schemaVersion !== to);
    const base = { collection, region, to, next };
    if (stale.length === 0) return { ...base, rewritten: 0 };
    try {
      await store.execute(await rewrite(store, region, stale, to));
      return { ...base, rewritten: stale.length };
    } catch (error) {
      if (!(error instanceof VersionMismatchError) || attempt + 1 >= MAX_BATCH_ATTEMPTS) throw error;
    }
  }
}

async function rewrite(store: StoreInternals, region: string, rows: StoredRow[], to: number): Promise<WriteCommand> {
  await store.schemas.ensure(rows);
  const ops = rows.map((row) => ({
    op: "put" as const,
    collection: row.collection,
    key: row.key,
    valueJson: store.schemas.projectJson(row, to),
    expect: row.version,
    schemaVersion: to,
  }));
  return { kind: "txn", form: "txn", region, ops };
}

/** Every region, batch after batch; `onBatch` hears each one (progress). */
export async function upgradeCollection(
  store: StoreInternals,
  collection: string,
  to: number,
  options: { limit?: number; onBatch?: (batch: UpgradeBatch) => void } = {},
): Promise<UpgradeResult> {
  const limit = options.limit ?? DEFAULT_UPGRADE_BATCH;
  let rewritten = 0;
  let batches = 0;
  const regions = await store.storage.regions();
  for (const { region } of regions) {
    let after: string | null = null;
    do {
      const batch = await upgradeBatch(store, { collection, to, region, after, limit });
      rewritten += batch.rewritten;
      batches++;
      options.onBatch?.(batch);
      after = batch.next;
    } while (after !== null);
  }
  return { collection, to, regions: regions.length, batches, rewritten };
}

const UPGRADE_FIELDS = new Set(["to", "region", "after", "limit"]);

/** Validates `{"to": N, "region"?: R, "after"?: K, "limit"?: L}` (`after` and `limit` only with a region). */
export function upgradeRequest(collection: string, body: unknown): { to: number; limit: number; region?: string; after: string | null } {
  checkName("collection", collection);
  if (typeof body !== "object" || body === null || Array.isArray(body)) throw new BadRequestError('body must be {"to": N}');
  const fields = body as Record<string, unknown>;
  const unknown = Object.keys(fields).find((k) => !UPGRADE_FIELDS.has(k));
  if (unknown !== undefined) throw new BadRequestError(`unknown field ${JSON.stringify(unknown)} in upgrade request`);
  const to = checkNonNegativeInt("to", fields.to, 1);
  const limit = fields.limit === undefined ? DEFAULT_UPGRADE_BATCH : checkNonNegativeInt("limit", fields.limit, 1);
  if (limit > 1000) throw new BadRequestError("limit must be at most 1000 (the ops of one transaction)");
  if (fields.region === undefined) {
    if (fields.after !== undefined) throw new BadRequestError("after needs a region");
    return { to, limit, after: null };
  }
  const region = checkName("region", fields.region);
  const after = fields.after === undefined || fields.after === null ? null : checkName("key", fields.after);
  return { to, limit, region, after };
}
