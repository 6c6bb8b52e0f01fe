import type { FastifyInstance } from "fastify";
import { OPENAPI_ROUTE, type OpenApiDocument } from "../openapi.js";
import { json, openErrors, type RouteSchema } from "../schema/route-schema.js";

const OPENAPI: RouteSchema = {
  summary: "This document: the API as OpenAPI 3.1; open without a token",
  tags: ["server"],
  open: true,
  response: {
    200: json("the OpenAPI document", {
      type: "object",
      properties: { openapi: { type: "string" }, paths: { type: "object" } },
      required: ["openapi", "paths"],
    }),
    ...openErrors(),
  },
};

/** `GET /v1/openapi.json`: holds no secret (routes and schemas only), so any caller may read it. */
export function openApiRoutes(app: FastifyInstance, document: OpenApiDocument): void {
  app.get(OPENAPI_ROUTE, { schema: OPENAPI }, async (_request, reply) => {
    reply.header("cache-control", "no-cache");
    return document.document();
  });
}
