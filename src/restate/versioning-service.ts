/**
 * Seed 000's versioning service as a Restate virtual object, keyed by region.
 *
 * Restate runs exclusive handlers one at a time per key and journals the state
 * update with the invocation, so `nextVersion` is atomic per region while regions
 * proceed in parallel; a retry sent with the same `idempotency-key` header gets
 * the recorded answer instead of a second increment.
 *
 * Every answer names the endpoint that served it (`servedBy`), which is how a
 * rollout (seed 001) shows which revision ran an invocation.
 */
import * as restate from "@restatedev/restate-sdk";

export const VERSIONING_SERVICE = "VersioningService";
/** The state key of the counter; scoped to the object's key, i.e. the region. */
export const VERSION_STATE_KEY = "version";
/** Longest wait `getVersionAfter` accepts: a day, the default journal retention. */
export const MAX_DELAY_MS = 86_400_000;

export interface VersionAnswer {
  version: number;
  servedBy: string;
}

export interface DelayRequest {
  delayMs: number;
}

export function versioningService(servedBy: string) {
  return restate.object({
    name: VERSIONING_SERVICE,
    handlers: {
      /** Increments and returns the region's version; the first call returns 1. */
      nextVersion: async (ctx: restate.ObjectContext): Promise<VersionAnswer> => {
        const version = ((await ctx.get<number>(VERSION_STATE_KEY)) ?? 0) + 1;
        ctx.set(VERSION_STATE_KEY, version);
        return { version, servedBy };
      },
      /** The last version handed out, 0 for a region never counted; never blocks `nextVersion`. */
      getVersion: restate.handlers.object.shared(
        async (ctx: restate.ObjectSharedContext): Promise<VersionAnswer> => ({
          version: (await ctx.get<number>(VERSION_STATE_KEY)) ?? 0,
          servedBy,
        }),
      ),
      /**
       * The version as of `delayMs` from now. The wait is a durable timer, so the
       * invocation outlives restarts and stays pinned to the deployment it started
       * on: the long-running call a rollout has to drain.
       */
      getVersionAfter: restate.handlers.object.shared(
        async (ctx: restate.ObjectSharedContext, request: DelayRequest): Promise<VersionAnswer> => {
          const delayMs = request?.delayMs;
          if (typeof delayMs !== "number" || !Number.isInteger(delayMs) || delayMs < 0 || delayMs > MAX_DELAY_MS) {
            throw new restate.TerminalError(`delayMs must be an integer from 0 to ${MAX_DELAY_MS}`, { errorCode: 400 });
          }
          await ctx.sleep(delayMs);
          return { version: (await ctx.get<number>(VERSION_STATE_KEY)) ?? 0, servedBy };
        },
      ),
    },
  });
}

export type VersioningService = ReturnType<typeof versioningService>;
