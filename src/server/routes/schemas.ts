/** Schema versions of collections; reads for every token, changes admin-only (access.ts). */
import type { FastifyInstance } from "fastify";
import { MAX_VALUE_BYTES } from "../../protocol/types.js";
import type { RouteContext } from "../route-context.js";

interface SchemaParams {
  collection: string;
}

export function schemaRoutes(app: FastifyInstance, { internals: { schemas } }: RouteContext): void {
  app.get("/v1/schemas", async () => ({ schemas: await schemas.list() }));

  app.get<{ Params: SchemaParams }>("/v1/schemas/:collection", async (request) => schemas.describe(request.params.collection));

  app.put<{ Params: SchemaParams }>("/v1/schemas/:collection", { bodyLimit: MAX_VALUE_BYTES }, async (request) =>
    schemas.register(request.params.collection, request.body),
  );

  // The dry run of a registration: what it would get, and the rules it would break.
  app.post<{ Params: SchemaParams }>("/v1/schemas/:collection/check", { bodyLimit: MAX_VALUE_BYTES }, async (request) => {
    const check = await schemas.check(request.params.collection, request.body);
    return { ...check, compatible: check.reasons.length === 0 };
  });
}
