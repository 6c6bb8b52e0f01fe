import type { FastifyInstance } from "fastify";
import { nextPageLink } from "../../model/next-page-link.js";
import { serializePage } from "../../model/page-json.js";
import { feedPosition } from "../../protocol/feed-position.js";
import { RESUMABLE_RESET_PROTOCOL } from "../../protocol/version.js";
import { abortOnClose } from "../abort-on-close.js";
import { intParam, requestProtocol, schemaSelection, stringParam } from "../headers.js";
import type { RouteContext } from "../route-context.js";
import {
  errors,
  FEED_QUERY,
  header,
  headers,
  json,
  params,
  query,
  queryInteger,
  REGION_PARAM,
  type RouteSchema,
  VERSO_SCHEMA,
} from "../schema/route-schema.js";
import { PAGE } from "../schema/wire.js";
import type { Query, RegionParams } from "./params.js";

const CHANGES: RouteSchema = {
  summary: "A page of the change feed after a cursor",
  description:
    "Ops in (version, collection, key) order; more: true asks for since=cursor. A missing, stale (below the floor or above the head) or other-epoch cursor gets a reset page.",
  tags: ["feed"],
  params: params(REGION_PARAM),
  querystring: query({
    ...FEED_QUERY,
    limit: queryInteger(
      "limit",
      "ops per page, 1-10000 (default 1000, and 10000 for a reset page and the pages sent with resetHead); a version is never split",
    ),
    waitMs: queryInteger("waitMs", "long-poll: wait up to W ms (at most 120000) for something after since"),
  }),
  headers: headers(VERSO_SCHEMA),
  response: {
    200: json("a page", PAGE, {
      link: header('when more follows: <the next page\'s request>; rel="next" (RFC 8288), to be sent before this page is parsed'),
    }),
    ...errors(409),
  },
};

export function changesRoutes(app: FastifyInstance, { internals, stopping, metrics }: RouteContext): void {
  app.get<{ Params: RegionParams; Querystring: Query }>("/v1/regions/:region/changes", { schema: CHANGES }, async (request, reply) => {
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
      largeResetPages: true,
      signal: AbortSignal.any([abortOnClose(reply.raw), stopping]),
    });
    metrics.feedPages.inc({ transport: "changes" });
    metrics.feedOps.inc({ transport: "changes" }, page.ops.length);
    reply.type("application/json").header("cache-control", "no-store");
    const link = nextPageLink(request.url.split("?", 1)[0] ?? "", request.query, feedPosition({ since, epoch, resetHead }), page);
    if (link) reply.header("link", link);
    return serializePage(page);
  });
}
