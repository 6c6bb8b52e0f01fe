import type { FastifyInstance } from "fastify";
import { serializePage } from "../../model/page-json.js";
import { RESUMABLE_RESET_PROTOCOL } from "../../protocol/version.js";
import { abortOnClose } from "../abort-on-close.js";
import { intParam, requestProtocol, schemaSelection, stringParam } from "../headers.js";
import type { RouteContext } from "../route-context.js";
import type { Query, RegionParams } from "./params.js";

export function changesRoutes(app: FastifyInstance, { internals, stopping, metrics }: RouteContext): void {
  app.get<{ Params: RegionParams; Querystring: Query }>("/v1/regions/:region/changes", async (request, reply) => {
    const since = intParam(request.query, "since");
    const epoch = stringParam(request.query, "epoch");
    const limit = intParam(request.query, "limit");
    const waitMs = intParam(request.query, "waitMs");
    const resetHead = intParam(request.query, "resetHead");
    const schemas = schemaSelection(request.headers, request.query);
    const page = await internals.changesRaw(request.params.region, {
      ...(since !== undefined && { since }),
      ...(epoch !== undefined && { epoch }),
      ...(limit !== undefined && { limit }),
      ...(waitMs !== undefined && { waitMs }),
      ...(resetHead !== undefined && { resetHead }),
      ...(schemas !== undefined && { schemas }),
      resumableReset: requestProtocol(request.headers) >= RESUMABLE_RESET_PROTOCOL,
      signal: AbortSignal.any([abortOnClose(reply.raw), stopping]),
    });
    metrics.feedPages.inc({ transport: "changes" });
    metrics.feedOps.inc({ transport: "changes" }, page.ops.length);
    reply.type("application/json").header("cache-control", "no-store");
    return serializePage(page);
  });
}
