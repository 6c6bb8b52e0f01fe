/**
 * A per-region version counter, the contract of seed 000's versioning service:
 * `next` returns 1 for a region's first call and then strictly increasing values;
 * `current` returns the last value handed out, 0 for a region never counted.
 * A retried `next` with the same idempotency key returns the first answer.
 *
 * Two implementations: verso's own store (below) and the Restate virtual object
 * (src/restate/ingress-counter.ts), so callers and benchmarks can swap them.
 */
import type { VersoStore } from "./store.js";

export interface VersionCounter {
  next(region: string, idempotencyKey?: string): Promise<number>;
  current(region: string): Promise<number>;
}

/** The counter over verso's store: NextVersion consumes a version with no row change. */
export function storeVersionCounter(store: Pick<VersoStore, "nextVersion" | "getVersion">): VersionCounter {
  return {
    async next(region, idempotencyKey) {
      const result = await store.nextVersion(region, idempotencyKey === undefined ? {} : { idempotencyKey });
      return result.version;
    },
    async current(region) {
      return (await store.getVersion(region)).version;
    },
  };
}
