/**
 * The read side of verso's contract, answered from the replica: region, row, row list,
 * with `minVersion`/`timeoutMs` on each, the same JSON and headers as the server. The
 * replica is one region and read-only: another region is 404, a write is 405 naming the
 * server. The change feed and the watch stream are not served here (404): a consumer of
 * the feed follows the server.
 */
import { etag, type Headers, intParam, stringParam } from "../model/http-params.js";
import { serializeRow, serializeRowList } from "../model/page-json.js";
import { BadRequestError, MethodNotAllowedError, NotFoundError } from "../protocol/errors.js";
import { type NameKind, nameProblem } from "../protocol/names.js";
import { DEFAULT_PAGE_LIMIT, MAX_PAGE_LIMIT } from "../protocol/types.js";
import { PROTOCOL_MAX, PROTOCOL_MIN } from "../protocol/version.js";
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

export interface ReadAnswer {
  status: number;
  body: string;
  headers: Record<string, string>;
}

/** What the read routes need of a replica. */
export interface ReplicaReads {
  region: string;
  pass(options: BarrierOptions): Promise<void>;
  position(): ReadPosition;
  row(collection: string, key: string): ReplicaRow | undefined;
  rows(collection: string, after: string, limit: number): ReplicaRow[];
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
  if (collections === "changes" || collections === "watch") {
    if (rest.length === 1)
      throw new NotFoundError(`the agent's listener does not serve /${collections}; follow the feed at the server, ${server}`);
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
  const { version, head, epoch } = replica.position();
  // The replica keeps no tombstones, so nothing below its version can be served as changes: that is its floor.
  return { region: replica.region, epoch: epoch ?? "", version, floor: version, head, lagVersions: Math.max(0, head - version) };
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
