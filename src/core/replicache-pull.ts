/**
 * A Replicache pull (version 1) is a feed read from the cookie: the pages from the
 * cookie's version to the head, read one after the other and answered as one patch.
 * A cookie the feed would reset (null, another epoch, below the floor, above the head)
 * gets a `clear` and every live row. `lastMutationIDChanges` holds the clients of the
 * group whose last mutation id was set at a version the patch covers, so a mutation is
 * never confirmed before the pull that shows its writes.
 *
 * The first page is read before anything is answered, so bad input still gets its 4xx;
 * a patch of several pages is then sent as its pages are read (memory stays at one page).
 */
import type { ChangesQuery, RawPage } from "../model/raw-page.js";
import { nextCookie, type ReplicacheCookie } from "../model/replicache.js";
import { PULL_OPENING, patchOpJson, pullClosing } from "../model/replicache-json.js";
import { BadRequestError } from "../protocol/errors.js";
import type { ReplicacheErrorBody } from "../protocol/replicache.js";
import { MAX_PAGE_LIMIT } from "../protocol/types.js";
import type { Storage } from "../storage/storage.js";
import { checkName, isObject } from "./commands.js";

export type PullSource = Pick<Storage, "changes" | "replicacheClients">;

/** The response: all of it when one page held the patch, else its pieces as they are made. */
export type PullAnswer = { json: string } | { chunks: AsyncIterable<string> } | { refusal: ReplicacheErrorBody };

export async function replicachePull(source: PullSource, region: string, body: unknown): Promise<PullAnswer> {
  checkName("region", region);
  if (!isObject(body)) throw new BadRequestError("a Replicache pull body must be a JSON object");
  if (body.pullVersion !== 1) return { refusal: { error: "VersionNotSupported", versionType: "pull" } };
  const clientGroupID = body.clientGroupID;
  if (typeof clientGroupID !== "string" || clientGroupID.length === 0 || clientGroupID.length > 256) {
    throw new BadRequestError("clientGroupID must be a string of 1-256 characters");
  }
  const cookie = parseCookie(body.cookie);
  const read = new PullRead(source, region, clientGroupID, cookie);
  const first = await read.page();
  if (!first.more) return { json: PULL_OPENING + opsJson(first) + (await read.closing()) };
  return { chunks: read.rest(first) };
}

/** The pages of one pull and where they leave the client. */
class PullRead {
  private reset = false;
  private resetHead: number | undefined;
  private last: RawPage | undefined;

  constructor(
    private readonly source: PullSource,
    private readonly region: string,
    private readonly clientGroupID: string,
    private readonly cookie: ReplicacheCookie | null,
  ) {}

  async page(): Promise<RawPage> {
    const since = this.last ? this.last.cursor : this.cookie?.version;
    const epoch = this.last ? this.last.epoch : this.cookie?.epoch;
    const query: ChangesQuery = {
      region: this.region,
      limit: MAX_PAGE_LIMIT,
      resumableReset: true,
      ...(since !== undefined && { since }),
      ...(epoch !== undefined && { epoch }),
      ...(this.resetHead !== undefined && { resetHead: this.resetHead }),
    };
    const page = await this.source.changes(query);
    // A reset met halfway (compaction passed the cursor) stays correct: the patch clears
    // again where it met it.
    if (page.reset) {
      this.reset = true;
      this.resetHead = page.head;
    }
    this.last = page;
    return page;
  }

  async *rest(first: RawPage): AsyncGenerator<string> {
    let text = PULL_OPENING + opsJson(first);
    let empty = first.ops.length === 0;
    let page = first;
    while (page.more) {
      yield text;
      page = await this.page();
      text = page.ops.length > 0 && !empty ? `,${opsJson(page)}` : opsJson(page);
      empty &&= page.ops.length === 0;
    }
    yield text + (await this.closing());
  }

  /** The cookie and last mutation ids after the last page read. */
  async closing(): Promise<string> {
    const page = this.last;
    if (!page) throw new Error("no page was read");
    const next = nextCookie(this.cookie, this.reset, page.cursor, page.epoch);
    const after = this.reset || !this.cookie ? 0 : this.cookie.version;
    // Nothing moved: no client can have changed in the empty window.
    const changes = page.cursor > after ? await this.source.replicacheClients(this.region, this.clientGroupID, after, page.cursor) : [];
    return pullClosing(next, changes);
  }
}

function opsJson(page: RawPage): string {
  return page.ops.map(patchOpJson).join(",");
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
