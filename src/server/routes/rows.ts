import type { FastifyInstance } from "fastify";
import { deleteCommand, putCommand } from "../../core/commands.js";
import { serializeRow, serializeRowList } from "../../model/page-json.js";
import { BadRequestError } from "../../protocol/errors.js";
import { abortOnClose } from "../abort-on-close.js";
import { etag, expectationFrom, header, intParam, schemaSelection, stringParam } from "../headers.js";
import type { RouteContext } from "../route-context.js";
import {
  COLLECTION_PARAM,
  ETAG,
  errors,
  headers,
  IDEMPOTENCY_KEY,
  IF_MATCH,
  IF_NONE_MATCH,
  json,
  KEY_PARAM,
  params,
  query,
  queryInteger,
  queryString,
  REGION_PARAM,
  REPLAYED,
  type RouteSchema,
  VERSO_SCHEMA,
  WRITE_ERRORS,
} from "../schema/route-schema.js";
import { JSON_VALUE, PUT_RESULT, ROW as ROW_JSON, ROW_LIST, VERSION_RESULT } from "../schema/wire.js";
import type { CollectionParams, Query, RowParams } from "./params.js";
import { sendWrite } from "./send-write.js";

const ROW = "/v1/regions/:region/collections/:collection/rows/:key";

const ROW_PARAMS = params({ ...REGION_PARAM, ...COLLECTION_PARAM, ...KEY_PARAM });

const PUT: RouteSchema = {
  summary: "Write a row; the body is its value",
  tags: ["rows"],
  params: ROW_PARAMS,
  headers: headers({ ...IF_MATCH, ...IF_NONE_MATCH, ...IDEMPOTENCY_KEY }),
  body: JSON_VALUE,
  response: { 200: json("the row's new version", PUT_RESULT, { ...ETAG, ...REPLAYED }), ...errors(...WRITE_ERRORS) },
};

const DELETE: RouteSchema = {
  summary: "Delete a row: a tombstone at a new version",
  description: "404 when the row is absent or already deleted; If-Match as for PUT, If-None-Match refused.",
  tags: ["rows"],
  params: ROW_PARAMS,
  headers: headers({ ...IF_MATCH, ...IDEMPOTENCY_KEY }),
  response: { 200: json("the tombstone's version", VERSION_RESULT, { ...ETAG, ...REPLAYED }), ...errors(...WRITE_ERRORS) },
};

const GET: RouteSchema = {
  summary: "Read a row; with minVersion, first wait until the region reaches it",
  tags: ["rows"],
  params: ROW_PARAMS,
  querystring: query({
    minVersion: queryInteger("minVersion", "wait until the region's head is at least this version (read your writes)"),
    timeoutMs: queryInteger("timeoutMs", "how long minVersion may wait (default 5000, at most 120000); then 504"),
  }),
  headers: headers(VERSO_SCHEMA),
  response: { 200: json("the row", ROW_JSON, ETAG), ...errors(404, 409, 504) },
};

const LIST: RouteSchema = {
  summary: "The live rows of a collection in key order",
  tags: ["rows"],
  params: params({ ...REGION_PARAM, ...COLLECTION_PARAM }),
  querystring: query({
    after: queryString("start after this key (the next of the previous page)"),
    limit: queryInteger("limit", "rows per page, 1-10000 (default 1000)"),
  }),
  headers: headers(VERSO_SCHEMA),
  response: { 200: json("a page of rows", ROW_LIST), ...errors(409) },
};

export function rowRoutes(app: FastifyInstance, { internals, auth, stopping, maxRequestBytes }: RouteContext): void {
  // The body may be larger than the value it carries (whitespace, indentation): the 1 MiB
  // value limit is checked on the value as stored, as it is inside a transaction.
  app.put<{ Params: RowParams }>(ROW, { bodyLimit: maxRequestBytes, schema: PUT }, async (request, reply) => {
    const { region, collection, key } = request.params;
    if (request.body === undefined) throw new BadRequestError("the request body must be the row's JSON value");
    const command = putCommand(
      region,
      collection,
      key,
      request.body,
      expectationFrom(request.headers),
      header(request.headers, "idempotency-key"),
    );
    return sendWrite(reply, await internals.execute(auth.scoped(request, command)), true);
  });

  app.delete<{ Params: RowParams }>(ROW, { schema: DELETE }, async (request, reply) => {
    const { region, collection, key } = request.params;
    if (header(request.headers, "if-none-match") !== undefined) throw new BadRequestError("DELETE takes If-Match, not If-None-Match");
    const command = deleteCommand(region, collection, key, expectationFrom(request.headers), header(request.headers, "idempotency-key"));
    return sendWrite(reply, await internals.execute(auth.scoped(request, command)), true);
  });

  app.get<{ Params: RowParams; Querystring: Query }>(ROW, { schema: GET }, async (request, reply) => {
    const { region, collection, key } = request.params;
    const minVersion = intParam(request.query, "minVersion");
    const timeoutMs = intParam(request.query, "timeoutMs");
    const schemas = schemaSelection(request.headers);
    // Only a minVersion read waits; the abort signal it needs costs more than the read
    // itself, so a plain read goes without one.
    const row = await internals.getRaw(
      region,
      collection,
      key,
      minVersion === undefined
        ? schemas === undefined
          ? undefined
          : { schemas }
        : {
            minVersion,
            ...(timeoutMs !== undefined && { timeoutMs }),
            ...(schemas !== undefined && { schemas }),
            signal: AbortSignal.any([abortOnClose(reply.raw), stopping]),
          },
    );
    reply.header("etag", etag(row.version)).type("application/json");
    return serializeRow(row);
  });

  app.get<{ Params: CollectionParams; Querystring: Query }>(
    "/v1/regions/:region/collections/:collection/rows",
    { schema: LIST },
    async (request, reply) => {
      const { region, collection } = request.params;
      const { rows, next } = await internals.listRaw(
        region,
        collection,
        stringParam(request.query, "after"),
        intParam(request.query, "limit"),
        schemaSelection(request.headers),
      );
      reply.type("application/json");
      return serializeRowList(rows, next);
    },
  );
}
