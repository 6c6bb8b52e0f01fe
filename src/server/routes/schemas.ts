/** Schema versions of collections; reads for every token, changes admin-only (access.ts). */
import type { FastifyInstance } from "fastify";
import { upgradeBatch, upgradeCollection, upgradeRequest } from "../../core/schema-upgrade.js";
import { MAX_VALUE_BYTES } from "../../protocol/types.js";
import type { RouteContext } from "../route-context.js";

interface SchemaParams {
  collection: string;
}

export function schemaRoutes(app: FastifyInstance, { internals }: RouteContext): void {
  const { schemas } = internals;
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

  // With a region: one batch, answered with where the next starts (what `verso schema
  // upgrade` drives, printing progress). Without: every region, every batch.
  app.post<{ Params: SchemaParams }>("/v1/schemas/:collection/upgrade", async (request) => {
    const { collection } = request.params;
    const { to, limit, region, after } = upgradeRequest(collection, request.body);
    if (region === undefined) return upgradeCollection(internals, collection, to, { limit });
    return upgradeBatch(internals, { collection, to, region, after, limit });
  });
}
