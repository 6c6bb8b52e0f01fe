/**
 * A Replicache pull (version 1) is a feed read from the cookie: the pages from the
 * cookie's version to the head, read one after the other and answered as one patch.
 * A cookie the feed would reset (null, another epoch, below the floor, above the head)
 * gets a `clear` and every live row. `lastMutationIDChanges` holds the clients of the
 * group whose last mutation id was set at a version the patch covers, so a mutation is
 * never confirmed before the pull that shows its writes.
 */
import type { RawPage, RawPageOp } from "../model/raw-page.js";
import { nextCookie, type ReplicacheCookie } from "../model/replicache.js";
import { serializePull } from "../model/replicache-json.js";
import { BadRequestError } from "../protocol/errors.js";
import type { ReplicacheErrorBody } from "../protocol/replicache.js";
import { MAX_PAGE_LIMIT } from "../protocol/types.js";
import type { Storage } from "../storage/storage.js";
import { checkName } from "./commands.js";

export type PullSource = Pick<Storage, "changes" | "replicacheClients">;

export interface PullAnswer {
  /** The response body as JSON text. */
  json: string;
  cookie: ReplicacheCookie;
  reset: boolean;
  ops: number;
}

export async function replicachePull(
  source: PullSource,
  region: string,
  body: unknown,
): Promise<PullAnswer | { refusal: ReplicacheErrorBody }> {
  checkName("region", region);
  if (!isObject(body)) throw new BadRequestError("a Replicache pull body must be a JSON object");
  if (body.pullVersion !== 1) return { refusal: { error: "VersionNotSupported", versionType: "pull" } };
  const clientGroupID = body.clientGroupID;
  if (typeof clientGroupID !== "string" || clientGroupID.length === 0 || clientGroupID.length > 256) {
    throw new BadRequestError("clientGroupID must be a string of 1-256 characters");
  }
  const cookie = parseCookie(body.cookie);
  const ops: RawPageOp[] = [];
  let reset = false;
  let resetHead: number | undefined;
  let page: RawPage | undefined;
  do {
    const since = page ? page.cursor : cookie?.version;
    const epoch = page ? page.epoch : cookie?.epoch;
    page = await source.changes({
      region,
      limit: MAX_PAGE_LIMIT,
      resumableReset: true,
      ...(since !== undefined && { since }),
      ...(epoch !== undefined && { epoch }),
      ...(resetHead !== undefined && { resetHead }),
    });
    // A reset met halfway (compaction passed the cursor) stays correct: the patch clears
    // again where it met it.
    if (page.reset) {
      reset = true;
      resetHead = page.head;
    }
    for (const op of page.ops) ops.push(op);
  } while (page.more);
  const next = nextCookie(cookie, reset, page.cursor, page.epoch);
  const changes = await source.replicacheClients(region, clientGroupID, reset || !cookie ? 0 : cookie.version, page.cursor);
  return { json: serializePull(next, changes, ops), cookie: next, reset, ops: ops.length };
}

/** null, or a cookie verso gave out; anything else is not a cookie of this server. */
function parseCookie(value: unknown): ReplicacheCookie | null {
  if (value === null || value === undefined) return null;
  if (
    isObject(value) &&
    isCount(value.order) &&
    isCount(value.version) &&
    typeof value.epoch === "string" &&
    value.epoch.length <= 64 &&
    Object.keys(value).length === 3
  ) {
    return { order: value.order, version: value.version, epoch: value.epoch };
  }
  throw new BadRequestError('cookie must be null or a cookie this server gave out ({"order","version","epoch"})');
}

function isCount(value: unknown): value is number {
  return typeof value === "number" && Number.isSafeInteger(value) && value >= 0;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
