/**
 * `GET /v1/regions/{r}/shape?table=<collection>`: the Shape HTTP protocol of
 * @electric-sql/client over the feed of one collection (docs/electric.md). The
 * protocol's rules are in model/electric-shape.ts; this route reads pages and waits.
 */
import { randomBytes } from "node:crypto";
import type { FastifyInstance, FastifyReply } from "fastify";
import { checkName } from "../../core/commands.js";
import type { ChangesOptions } from "../../core/read-options.js";
import {
  encodeHandle,
  formatOffset,
  LIVE_WAIT_MS,
  parseShapeRequest,
  refetchReason,
  SHAPE_SCHEMA_JSON,
  type ShapeHandle,
  type ShapeMessage,
  type ShapeRequest,
  serializeMessages,
  shapeMessages,
  snapshotHandle,
} from "../../model/electric-shape.js";
import type { RawPage } from "../../model/raw-page.js";
import { MustRefetchError } from "../../protocol/errors.js";
import { abortOnClose } from "../abort-on-close.js";
import { SHAPE_HANDLE_HEADER } from "../error-mapping.js";
import type { RouteContext } from "../route-context.js";
import { SHAPE_HEADERS, SHAPE_MESSAGES, SHAPE_QUERY } from "../schema/electric.js";
import { errors, json, params, query, REGION_PARAM, type RouteSchema } from "../schema/route-schema.js";
import type { Query, RegionParams } from "./params.js";

interface Answer {
  handle: ShapeHandle;
  messages: ShapeMessage[];
  cursor: number;
  upToDate: boolean;
}

const SHAPE: RouteSchema = {
  summary: "A collection as an Electric shape (the Shape HTTP protocol of @electric-sql/client 1.5)",
  description:
    "A snapshot (offset=-1), then changes from handle + offset, with live=true as a long-poll. Parameters not listed (where, params, subset__*) are refused with 400. 409 must_refetch (new handle in electric-handle) wherever the feed would reset.",
  tags: ["electric"],
  params: params(REGION_PARAM),
  querystring: query(SHAPE_QUERY),
  response: {
    200: json("the shape's messages: rows, then an up-to-date control message at the head", SHAPE_MESSAGES, SHAPE_HEADERS),
    ...errors(409),
  },
};

export function shapeRoutes(app: FastifyInstance, { store, internals, stopping, metrics }: RouteContext): void {
  app.get<{ Params: RegionParams; Querystring: Query }>(
    "/v1/regions/:region/shape",
    { schema: SHAPE, exposeHeadRoute: false },
    async (request, reply) => {
      const region = request.params.region;
      const shape = parseShapeRequest(request.query);
      checkName("collection", shape.table);
      const signal = AbortSignal.any([abortOnClose(reply.raw), stopping]);
      const read = (options: ChangesOptions) =>
        internals.changesRaw(region, { ...options, collection: shape.table, resumableReset: true, signal });
      const answer = await (shape.offset.kind === "at"
        ? catchUp(shape, shape.offset, read)
        : snapshot(shape, read, () => store.getVersion(region)));
      metrics.feedPages.inc({ transport: "shape" });
      metrics.feedOps.inc({ transport: "shape" }, answer.messages.length);
      return send(reply, answer, shape.withValue);
    },
  );
}

type Read = (options: ChangesOptions) => Promise<RawPage>;

/** `offset=-1`: the first page of a snapshot; `offset=now`: no rows, the reader starts at the head. */
async function snapshot(shape: ShapeRequest, read: Read, head: () => Promise<{ epoch: string; version: number }>): Promise<Answer> {
  if (shape.offset.kind === "now") {
    const region = await head();
    const handle = { epoch: region.epoch, snapshotHead: region.version, tag: newTag() };
    return { handle, messages: [], cursor: region.version, upToDate: true };
  }
  const page = await read({});
  return {
    handle: snapshotHandle(shape.handle, page, newTag),
    messages: shapeMessages(page.ops, undefined),
    cursor: page.cursor,
    upToDate: !page.more,
  };
}

/**
 * `handle` + `offset`: the changes after the offset. A long-poll waits for a change of
 * this collection; commits to other collections move the offset on and wait again, so
 * the reader is not woken for nothing (no row of the collection lies in between, so its
 * copy is the same at the new offset).
 */
async function catchUp(shape: ShapeRequest, offset: { version: number; exact: boolean }, read: Read): Promise<Answer> {
  const sent = shape.handle as ShapeHandle;
  const deadline = Date.now() + LIVE_WAIT_MS;
  let since = offset.version;
  for (;;) {
    const waitMs = shape.live ? Math.max(0, deadline - Date.now()) : 0;
    const page = await read({
      since,
      ...(sent.epoch !== "" && { epoch: sent.epoch }),
      ...(since < sent.snapshotHead && { resetHead: sent.snapshotHead }),
      waitMs,
    });
    const reason = refetchReason(sent, page);
    if (reason !== undefined) {
      throw new MustRefetchError(
        `${reason}: fetch the shape again from offset -1`,
        encodeHandle({ epoch: page.epoch, snapshotHead: page.head, tag: newTag() }),
      );
    }
    const quiet = page.ops.length === 0 && !page.more;
    if (!quiet || waitMs === 0 || page.cursor === since) {
      const handle = { ...sent, epoch: page.epoch };
      const at = { offset: since, snapshotHead: sent.snapshotHead, exact: offset.exact && since >= sent.snapshotHead };
      return {
        handle,
        messages: shapeMessages(page.ops, at),
        cursor: page.cursor,
        upToDate: !page.more,
      };
    }
    since = page.cursor;
  }
}

function send(reply: FastifyReply, answer: Answer, withValue: boolean): string {
  const headers: Record<string, string> = {
    [SHAPE_HANDLE_HEADER]: encodeHandle(answer.handle),
    "electric-offset": formatOffset(answer.cursor, answer.upToDate),
    "electric-schema": SHAPE_SCHEMA_JSON,
    "electric-cursor": nextCursor(),
    "cache-control": "no-store",
  };
  if (answer.upToDate) headers["electric-up-to-date"] = "";
  reply.headers(headers).type("application/json");
  return serializeMessages(answer.messages, answer.upToDate, withValue);
}

function newTag(): string {
  return randomBytes(6).toString("base64url");
}

let lastCursor = 0;

/**
 * The long-poll cursor: new on every answer. The client remembers the last one it saw
 * for a shape and, starting again within a minute, takes an up-to-date under the same
 * cursor for a cached replay and holds it back.
 */
function nextCursor(): string {
  lastCursor = Math.max(Date.now(), lastCursor + 1);
  return String(lastCursor);
}
