/**
 * The read side of verso's contract, answered from the replica: region, row, row list,
 * the change feed and the watch stream, with `minVersion`/`timeoutMs` on each, the same
 * JSON and headers as the server. The replica is one region and read-only: another
 * region is 404, a write is 405 naming the server. The feed is the replica's own: its
 * head is the applied version, and a cursor below the file's floor is reset.
 */
import { etag, type Headers, header, intParam, requestProtocol, stringParam } from "../model/http-params.js";
import { nextPageLink } from "../model/next-page-link.js";
import { serializePage, serializeRow, serializeRowList } from "../model/page-json.js";
import type { ChangesQuery, RawPage } from "../model/raw-page.js";
import { EVENT_STREAM_HEADERS, parseEventId } from "../model/sse.js";
import { BadRequestError, MethodNotAllowedError, NotFoundError } from "../protocol/errors.js";
import { type FeedPosition, feedPosition } from "../protocol/feed-position.js";
import { type NameKind, nameProblem } from "../protocol/names.js";
import { DEFAULT_PAGE_LIMIT, MAX_PAGE_LIMIT, MAX_WAIT_MS } from "../protocol/types.js";
import { PROTOCOL_MAX, PROTOCOL_MIN, RESUMABLE_RESET_PROTOCOL } from "../protocol/version.js";
import type { LinkState } from "./link-status.js";
import type { ReadPosition, ReplicaRow } from "./replica-reader.js";
import type { BarrierOptions } from "./version-barrier.js";

export interface ReadRequest {
  method: string;
  /** Path segments, percent-decoded. */
  segments: string[];
  query: Record<string, string | string[]>;
  headers: Headers;
  signal: AbortSignal;
}

export interface BodyAnswer {
  status: number;
  body: string;
  headers: Record<string, string>;
}

/** How a watch stream pages its reads: as asked, like `/changes`. */
export interface WatchShape {
  limit: number;
  resumableReset: boolean;
}

/** A watch: the first page is read (so bad input still got its 4xx), the stream follows from `start`. */
export interface WatchAnswer {
  status: 200;
  headers: Record<string, string>;
  watch: { first: RawPage; start: FeedPosition; shape: WatchShape };
}

export type ReadAnswer = BodyAnswer | WatchAnswer;

/** What the read routes need of a replica. */
export interface ReplicaReads {
  region: string;
  pass(options: BarrierOptions): Promise<void>;
  position(): ReadPosition;
  row(collection: string, key: string): ReplicaRow | undefined;
  rows(collection: string, after: string, limit: number): ReplicaRow[];
  /** A page of the replica's change feed, read on one snapshot of the file. */
  page(query: ChangesQuery): RawPage;
  /** True once the replica has applied `version`; false after `timeoutMs` or on abort. */
  wait(version: number, timeoutMs: number, signal: AbortSignal): Promise<boolean>;
  link(): LinkState;
}

const JSON_TYPE = { "content-type": "application/json; charset=utf-8" };

export async function answerRead(replica: ReplicaReads, server: string, request: ReadRequest): Promise<ReadAnswer> {
  const [v1, regions, region, ...rest] = request.segments;
  if (request.segments.length === 1 && v1 === "healthz" && isRead(request.method)) return health(replica);
  if (v1 !== "v1" || regions !== "regions") throw routeNotFound(request);
  if (!isRead(request.method)) {
    throw new MethodNotAllowedError(
      `this is a read-only replica of region ${replica.region}: send ${request.method} to the server, ${server}`,
    );
  }
  if (region === undefined && rest.length === 0) return listRegions(replica, request);
  if (region === undefined) throw routeNotFound(request);
  checkName("region", region);
  if (region !== replica.region)
    throw new NotFoundError(`this agent replicates region ${replica.region}, not ${region}; ask the server, ${server}`);
  const [collections, collection, rowsWord, key, ...extra] = rest;
  if (collections === undefined) return regionVersion(replica, request);
  if (collections === "changes" && rest.length === 1) return changes(replica, request);
  if (collections === "watch" && rest.length === 1) {
    // As on the server: a stream without a body would only hold a connection open.
    if (request.method !== "GET") throw routeNotFound(request);
    return watch(replica, request);
  }
  if (collections !== "collections" || collection === undefined || rowsWord !== "rows" || extra.length > 0) throw routeNotFound(request);
  checkName("collection", collection);
  if (key === undefined) return listRows(replica, collection, request);
  checkName("key", key);
  return getRow(replica, collection, key, request);
}

function isRead(method: string): boolean {
  return method === "GET" || method === "HEAD";
}

function health(replica: ReplicaReads): ReadAnswer {
  const { version, head, epoch } = replica.position();
  const { connected, sinceContactMs } = replica.link();
  const body = {
    ok: true,
    region: replica.region,
    connected,
    // Stale: the server is not heard from, so `head` and `lagVersions` may be out of date.
    stale: !connected,
    sinceContactMs,
    epoch: epoch ?? "",
    version,
    head,
    lagVersions: Math.max(0, head - version),
    protocol: { min: PROTOCOL_MIN, max: PROTOCOL_MAX },
  };
  return { status: 200, body: JSON.stringify(body), headers: JSON_TYPE };
}

function regionBody(replica: ReplicaReads) {
  const { version, head, epoch, floor } = replica.position();
  return { region: replica.region, epoch: epoch ?? "", version, floor, head, lagVersions: Math.max(0, head - version) };
}

/** `GET …/changes?since&epoch&resetHead&limit&waitMs`: a page of the replica's feed, as the server answers it. */
async function changes(replica: ReplicaReads, request: ReadRequest): Promise<ReadAnswer> {
  const query = changesQuery(replica.region, request, {
    since: intParam(request.query, "since"),
    epoch: stringParam(request.query, "epoch"),
    resetHead: intParam(request.query, "resetHead"),
  });
  const waitMs = Math.min(intParam(request.query, "waitMs") ?? 0, MAX_WAIT_MS);
  await replica.pass(barrier(request));
  let page = replica.page(query);
  // A long-poll answers as soon as a page applies anything after the cursor.
  if (waitMs > 0 && !page.reset && page.ops.length === 0 && page.cursor === query.since) {
    if (await replica.wait(page.cursor + 1, waitMs, request.signal)) page = replica.page(query);
  }
  const from = feedPosition(query);
  const path = `/${request.segments.map(encodeURIComponent).join("/")}`;
  const link = nextPageLink(path, request.query, from, page);
  return { status: 200, body: serializePage(page), headers: { ...JSON_TYPE, "cache-control": "no-store", ...(link && { link }) } };
}

/**
 * `GET …/watch`: the replica's feed as Server-Sent Events. `Last-Event-ID` wins over
 * `since`, `epoch` and `resetHead`, as on the server.
 */
async function watch(replica: ReplicaReads, request: ReadRequest): Promise<ReadAnswer> {
  const lastEventId = header(request.headers, "last-event-id");
  const resumed = lastEventId !== undefined && lastEventId.trim() !== "" ? parseEventId(lastEventId) : undefined;
  const query = changesQuery(
    replica.region,
    request,
    resumed
      ? { since: resumed.cursor, epoch: resumed.epoch, resetHead: resumed.resetHead }
      : {
          since: intParam(request.query, "since"),
          epoch: stringParam(request.query, "epoch"),
          resetHead: intParam(request.query, "resetHead"),
        },
  );
  await replica.pass(barrier(request));
  const first = replica.page(query);
  const start = feedPosition(query);
  return {
    status: 200,
    headers: { ...EVENT_STREAM_HEADERS },
    watch: { first, start, shape: { limit: query.limit, resumableReset: query.resumableReset === true } },
  };
}

function changesQuery(
  region: string,
  request: ReadRequest,
  from: { since: number | undefined; epoch: string | undefined; resetHead: number | undefined },
): ChangesQuery {
  const limit = intParam(request.query, "limit") ?? DEFAULT_PAGE_LIMIT;
  if (limit < 1) throw new BadRequestError("limit must be at least 1");
  if (limit > MAX_PAGE_LIMIT) throw new BadRequestError(`limit must be at most ${MAX_PAGE_LIMIT}`);
  return {
    region,
    limit,
    ...(from.since !== undefined && { since: from.since }),
    ...(from.epoch !== undefined && { epoch: from.epoch }),
    ...(from.resetHead !== undefined && { resetHead: from.resetHead }),
    ...(requestProtocol(request.headers) >= RESUMABLE_RESET_PROTOCOL && { resumableReset: true }),
  };
}

async function listRegions(replica: ReplicaReads, request: ReadRequest): Promise<ReadAnswer> {
  await replica.pass(barrier(request));
  return { status: 200, body: JSON.stringify({ regions: [regionBody(replica)] }), headers: JSON_TYPE };
}

async function regionVersion(replica: ReplicaReads, request: ReadRequest): Promise<ReadAnswer> {
  await replica.pass(barrier(request));
  return { status: 200, body: JSON.stringify(regionBody(replica)), headers: JSON_TYPE };
}

async function getRow(replica: ReplicaReads, collection: string, key: string, request: ReadRequest): Promise<ReadAnswer> {
  await replica.pass(barrier(request));
  const row = replica.row(collection, key);
  if (!row) throw new NotFoundError(`row ${collection}/${key} does not exist in region ${replica.region}`);
  return { status: 200, body: serializeRow(row), headers: { ...JSON_TYPE, etag: etag(row.version) } };
}

async function listRows(replica: ReplicaReads, collection: string, request: ReadRequest): Promise<ReadAnswer> {
  const after = stringParam(request.query, "after") ?? "";
  if (after !== "") checkName("key", after);
  const limit = intParam(request.query, "limit") ?? DEFAULT_PAGE_LIMIT;
  if (limit < 1) throw new BadRequestError("limit must be at least 1");
  if (limit > MAX_PAGE_LIMIT) throw new BadRequestError(`limit must be at most ${MAX_PAGE_LIMIT}`);
  await replica.pass(barrier(request));
  const rows = replica.rows(collection, after, limit + 1);
  const more = rows.length > limit;
  const page = more ? rows.slice(0, limit) : rows;
  return { status: 200, body: serializeRowList(page, more ? (page.at(-1)?.key ?? null) : null), headers: JSON_TYPE };
}

function barrier(request: ReadRequest) {
  const minVersion = intParam(request.query, "minVersion");
  const timeoutMs = intParam(request.query, "timeoutMs");
  return {
    ...(minVersion !== undefined && { minVersion }),
    ...(timeoutMs !== undefined && { timeoutMs }),
    signal: request.signal,
  };
}

function checkName(kind: NameKind, name: string): void {
  const problem = nameProblem(kind, name);
  if (problem) throw new BadRequestError(problem);
}

function routeNotFound(request: ReadRequest): NotFoundError {
  return new NotFoundError(`no route for ${request.method} /${request.segments.join("/")}`);
}
