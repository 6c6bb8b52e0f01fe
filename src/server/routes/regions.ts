import type { FastifyInstance } from "fastify";
import { compactCommand, nextVersionCommand } from "../../core/commands.js";
import { canRead } from "../access.js";
import { header } from "../headers.js";
import type { RouteContext } from "../route-context.js";
import {
  errors,
  headers,
  IDEMPOTENCY_KEY,
  json,
  params,
  REGION_PARAM,
  REPLAYED,
  type RouteSchema,
  WRITE_ERRORS,
} from "../schema/route-schema.js";
import { COMPACT_REQUEST, COMPACT_RESULT, NEXT_VERSION_RESULT, object, REGION } from "../schema/wire.js";
import type { RegionParams } from "./params.js";
import { sendWrite } from "./send-write.js";

const LIST: RouteSchema = {
  summary: "The regions the caller may read, in name order",
  tags: ["regions"],
  response: { 200: json("the regions", object({ regions: { type: "array", items: REGION } })), ...errors() },
};

const GET_VERSION: RouteSchema = {
  summary: "A region's head, floor and epoch (GetVersion)",
  description: 'A region never written answers version 0 and epoch "".',
  tags: ["regions"],
  params: params(REGION_PARAM),
  response: { 200: json("the region", REGION), ...errors() },
};

const NEXT_VERSION: RouteSchema = {
  summary: "Take the next version without changing any row (NextVersion)",
  tags: ["regions"],
  params: params(REGION_PARAM),
  headers: headers(IDEMPOTENCY_KEY),
  response: { 200: json("the version taken", NEXT_VERSION_RESULT, REPLAYED), ...errors(...WRITE_ERRORS) },
};

const COMPACT: RouteSchema = {
  summary: "Purge old tombstones and raise the floor",
  description:
    "Exactly one of retainVersions (floor = head - N) and beforeVersion (floor = V - 1); the floor never moves down nor past the head.",
  tags: ["regions"],
  params: params(REGION_PARAM),
  headers: headers(IDEMPOTENCY_KEY),
  body: COMPACT_REQUEST,
  response: { 200: json("the new floor and the tombstones purged", COMPACT_RESULT, REPLAYED), ...errors(...WRITE_ERRORS) },
};

export function regionRoutes(app: FastifyInstance, { store, internals, auth }: RouteContext): void {
  app.get("/v1/regions", { schema: LIST }, async (request) => {
    const principal = auth.principalOf(request);
    return { regions: (await store.regions()).filter((r) => canRead(principal, r.region)) };
  });

  app.get<{ Params: RegionParams }>("/v1/regions/:region", { schema: GET_VERSION }, async (request) =>
    store.getVersion(request.params.region),
  );

  app.post<{ Params: RegionParams }>("/v1/regions/:region/next-version", { schema: NEXT_VERSION }, async (request, reply) => {
    const command = nextVersionCommand(request.params.region, header(request.headers, "idempotency-key"));
    return sendWrite(reply, await internals.execute(auth.scoped(request, command)));
  });

  app.post<{ Params: RegionParams }>("/v1/regions/:region/compact", { schema: COMPACT }, async (request, reply) => {
    const command = compactCommand(request.params.region, request.body, header(request.headers, "idempotency-key"));
    return sendWrite(reply, await internals.execute(auth.scoped(request, command)));
  });
}
