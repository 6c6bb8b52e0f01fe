/** Schema versions of collections; reads for every token, changes admin-only (access.ts). */
import type { FastifyInstance } from "fastify";
import { upgradeBatch, upgradeCollection, upgradeRequest } from "../../core/schema-upgrade.js";
import { MAX_VALUE_BYTES } from "../../protocol/types.js";
import type { RouteContext } from "../route-context.js";
import { COLLECTION_PARAM, errors, json, params, type RouteSchema } from "../schema/route-schema.js";
import {
  COLLECTION_SCHEMAS,
  REGISTERED_SCHEMA,
  SCHEMA_CHECK,
  SCHEMA_LIST,
  SCHEMA_REGISTRATION,
  UPGRADE_REQUEST,
  UPGRADE_RESULT,
} from "../schema/wire.js";

interface SchemaParams {
  collection: string;
}

const TAGS = ["schemas"];
const COLLECTION = params(COLLECTION_PARAM);

const LIST: RouteSchema = {
  summary: "Every collection with a schema, its mode and latest version",
  tags: TAGS,
  response: { 200: json("the collections", SCHEMA_LIST), ...errors() },
};

const DESCRIBE: RouteSchema = {
  summary: "A collection's schema versions",
  tags: TAGS,
  params: COLLECTION,
  response: { 200: json("the versions", COLLECTION_SCHEMAS), ...errors(404) },
};

const REGISTER: RouteSchema = {
  summary: "Register the collection's next schema version (admin)",
  description: "The same schema as the latest version answers that version and registers nothing.",
  tags: TAGS,
  params: COLLECTION,
  body: SCHEMA_REGISTRATION,
  response: { 200: json("the version", REGISTERED_SCHEMA), ...errors(409, 413, 507) },
};

const CHECK: RouteSchema = {
  summary: "What registering would give, and the rules it would break (admin)",
  tags: TAGS,
  params: COLLECTION,
  body: SCHEMA_REGISTRATION,
  response: { 200: json("the dry run", SCHEMA_CHECK), ...errors(413) },
};

const UPGRADE: RouteSchema = {
  summary: "Rewrite live rows under schema version to (admin)",
  description: "With region: one batch, answered with next (the key to continue after). Without: every batch of every region.",
  tags: TAGS,
  params: COLLECTION,
  body: UPGRADE_REQUEST,
  response: { 200: json("what was rewritten", UPGRADE_RESULT), ...errors(409, 412, 413, 507) },
};

export function schemaRoutes(app: FastifyInstance, { internals }: RouteContext): void {
  const { schemas } = internals;
  app.get("/v1/schemas", { schema: LIST }, async () => ({ schemas: await schemas.list() }));

  app.get<{ Params: SchemaParams }>("/v1/schemas/:collection", { schema: DESCRIBE }, async (request) =>
    schemas.describe(request.params.collection),
  );

  app.put<{ Params: SchemaParams }>("/v1/schemas/:collection", { bodyLimit: MAX_VALUE_BYTES, schema: REGISTER }, async (request) =>
    schemas.register(request.params.collection, request.body),
  );

  // The dry run of a registration: what it would get, and the rules it would break.
  app.post<{ Params: SchemaParams }>("/v1/schemas/:collection/check", { bodyLimit: MAX_VALUE_BYTES, schema: CHECK }, async (request) => {
    const check = await schemas.check(request.params.collection, request.body);
    return { ...check, compatible: check.reasons.length === 0 };
  });

  // With a region: one batch, answered with where the next starts (what `verso schema
  // upgrade` drives, printing progress). Without: every region, every batch.
  app.post<{ Params: SchemaParams }>("/v1/schemas/:collection/upgrade", { schema: UPGRADE }, async (request) => {
    const { collection } = request.params;
    const { to, limit, region, after } = upgradeRequest(collection, request.body);
    if (region === undefined) return upgradeCollection(internals, collection, to, { limit });
    return upgradeBatch(internals, { collection, to, region, after, limit });
  });
}
