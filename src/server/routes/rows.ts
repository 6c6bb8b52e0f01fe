import type { FastifyInstance } from "fastify";
import { deleteCommand, putCommand } from "../../core/commands.js";
import { serializeRow, serializeRowList } from "../../model/page-json.js";
import { BadRequestError } from "../../protocol/errors.js";
import { abortOnClose } from "../abort-on-close.js";
import { etag, expectationFrom, header, intParam, schemaSelection, stringParam } from "../headers.js";
import type { RouteContext } from "../route-context.js";
import type { CollectionParams, Query, RowParams } from "./params.js";
import { sendWrite } from "./send-write.js";

const ROW = "/v1/regions/:region/collections/:collection/rows/:key";

export function rowRoutes(app: FastifyInstance, { internals, auth, stopping, maxRequestBytes }: RouteContext): void {
  // The body may be larger than the value it carries (whitespace, indentation): the 1 MiB
  // value limit is checked on the value as stored, as it is inside a transaction.
  app.put<{ Params: RowParams }>(ROW, { bodyLimit: maxRequestBytes }, async (request, reply) => {
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

  app.delete<{ Params: RowParams }>(ROW, async (request, reply) => {
    const { region, collection, key } = request.params;
    if (header(request.headers, "if-none-match") !== undefined) throw new BadRequestError("DELETE takes If-Match, not If-None-Match");
    const command = deleteCommand(region, collection, key, expectationFrom(request.headers), header(request.headers, "idempotency-key"));
    return sendWrite(reply, await internals.execute(auth.scoped(request, command)), true);
  });

  app.get<{ Params: RowParams; Querystring: Query }>(ROW, async (request, reply) => {
    const { region, collection, key } = request.params;
    const minVersion = intParam(request.query, "minVersion");
    const timeoutMs = intParam(request.query, "timeoutMs");
    const schemas = schemaSelection(request.headers);
    const row = await internals.getRaw(region, collection, key, {
      ...(minVersion !== undefined && { minVersion }),
      ...(timeoutMs !== undefined && { timeoutMs }),
      ...(schemas !== undefined && { schemas }),
      signal: AbortSignal.any([abortOnClose(reply.raw), stopping]),
    });
    reply.header("etag", etag(row.version)).type("application/json");
    return serializeRow(row);
  });

  app.get<{ Params: CollectionParams; Querystring: Query }>("/v1/regions/:region/collections/:collection/rows", async (request, reply) => {
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
  });
}
