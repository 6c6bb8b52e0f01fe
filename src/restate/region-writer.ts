/**
 * The safe write path for seed 000's model. Its callers allocate a version, then
 * write the row later; two writers can commit out of order (v6 before v5) and an
 * agent reading `version > cursor` moves its cursor to 6 and never sees 5.
 *
 * RegionWriter closes that gap: one virtual object per region whose exclusive
 * handler allocates the version and writes the row as one journaled step. Restate
 * runs one exclusive invocation per key at a time and the handler returns only
 * after the row is committed, so a region's rows commit in version order. A
 * retried step replays the journaled version, and the feed's upsert ignores a
 * write that would move a row backwards, so retries are harmless.
 */
import * as restate from "@restatedev/restate-sdk";
import { encodeValue } from "../core/commands.js";
import { VersoError } from "../protocol/errors.js";
import { nameProblem } from "../protocol/names.js";
import type { Json } from "../protocol/types.js";
import type { FeedRow, FeedTable } from "./feed-table.js";

export const REGION_WRITER = "RegionWriter";
/** Separate from VersioningService's counter: each object keeps its own state. */
export const WRITER_VERSION_KEY = "version";

export interface WriteRequest {
  collection: string;
  key: string;
  value: Json;
}

export interface WriteAnswer {
  version: number;
  servedBy: string;
}

export interface RegionWriterOptions {
  feed: FeedTable;
  servedBy: string;
  /** Runs inside the journaled step before the row is written: tests inject delays here. */
  beforeWrite?: (row: FeedRow) => Promise<void>;
}

export function regionWriter(options: RegionWriterOptions) {
  return restate.object({
    name: REGION_WRITER,
    handlers: {
      write: async (ctx: restate.ObjectContext, request: WriteRequest): Promise<WriteAnswer> => {
        checkRequest(ctx.key, request);
        const version = ((await ctx.get<number>(WRITER_VERSION_KEY)) ?? 0) + 1;
        const row: FeedRow = { region: ctx.key, collection: request.collection, key: request.key, version, value: request.value };
        await ctx.run("write row", async () => {
          await options.beforeWrite?.(row);
          options.feed.write(row);
        });
        ctx.set(WRITER_VERSION_KEY, version);
        return { version, servedBy: options.servedBy };
      },
      /** The region's last written version, 0 before the first write. */
      getVersion: restate.handlers.object.shared(
        async (ctx: restate.ObjectSharedContext): Promise<WriteAnswer> => ({
          version: (await ctx.get<number>(WRITER_VERSION_KEY)) ?? 0,
          servedBy: options.servedBy,
        }),
      ),
    },
  });
}

/** Bad input fails the invocation for good (no retries) and writes nothing. */
function checkRequest(region: string, request: WriteRequest | undefined): void {
  const problem =
    nameProblem("region", region) ??
    (typeof request?.collection === "string" ? nameProblem("collection", request.collection) : "collection must be a string") ??
    (typeof request?.key === "string" ? nameProblem("key", request.key) : "key must be a string");
  if (problem) throw new restate.TerminalError(problem, { errorCode: 400 });
  try {
    encodeValue(request?.value);
  } catch (error) {
    if (error instanceof VersoError) throw new restate.TerminalError(error.message, { errorCode: error.status });
    throw error;
  }
}

export type RegionWriter = ReturnType<typeof regionWriter>;
