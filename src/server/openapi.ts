/**
 * The OpenAPI 3.1 document of the server, built from the routes as Fastify registers them
 * (an `onRoute` hook) and the schemas they declare (schema/route-schema.ts): the same
 * objects Fastify validates requests with, so the document cannot describe another API
 * than the one served. Built once, at the first request, when every route is in.
 */
import type { FastifyInstance } from "fastify";
import { PROTOCOL_HEADER, PROTOCOL_MAX, PROTOCOL_MIN } from "../protocol/version.js";
import { packageVersion } from "./package-version.js";
import type { Response, RouteSchema } from "./schema/route-schema.js";
import { ERROR_BODY, type JsonSchema } from "./schema/wire.js";

export const OPENAPI_ROUTE = "/v1/openapi.json";

interface Registered {
  method: string;
  url: string;
  schema: RouteSchema | undefined;
}

type Operation = Record<string, unknown>;

export class OpenApiDocument {
  private readonly routes: Registered[] = [];
  private built: Record<string, unknown> | undefined;

  /** Install before the routes: only routes registered after the hook are seen. */
  constructor(app: FastifyInstance) {
    app.addHook("onRoute", (route) => {
      for (const method of [route.method].flat()) {
        this.routes.push({ method, url: route.url, schema: route.schema as RouteSchema | undefined });
      }
    });
  }

  document(): Record<string, unknown> {
    this.built ??= this.build();
    return this.built;
  }

  private build(): Record<string, unknown> {
    const paths: Record<string, Record<string, Operation>> = {};
    for (const route of [...this.routes].sort((a, b) => a.url.localeCompare(b.url))) {
      const path = route.url.replace(/:([A-Za-z0-9_]+)/g, "{$1}");
      paths[path] ??= {};
      (paths[path] as Record<string, Operation>)[route.method.toLowerCase()] = operation(route.method, path, route.schema);
    }
    return {
      openapi: "3.1.0",
      info: {
        title: "verso",
        version: packageVersion(),
        description: `Versioned state for control planes and their edge agents: HTTP API v1, protocols ${PROTOCOL_MIN}-${PROTOCOL_MAX}. Every error answer is {"error": {"code", "message"}} plus the fields some codes add.`,
        license: { name: "Apache-2.0", identifier: "Apache-2.0" },
      },
      jsonSchemaDialect: "https://spec.openapis.org/oas/3.1/dialect/base",
      // Authentication is off unless the server has an admin token: then a bearer token.
      security: [{ bearer: [] }, {}],
      paths,
      components: {
        schemas: { Error: ERROR_BODY },
        parameters: {
          VersoProtocol: {
            name: "Verso-Protocol",
            in: "header",
            required: false,
            description: `the protocol the request speaks, ${PROTOCOL_MIN}-${PROTOCOL_MAX} (default 1); another value is 400 unsupported_protocol_version`,
            schema: { type: "string" },
          },
        },
        securitySchemes: { bearer: { type: "http", scheme: "bearer", description: "the admin token or a scoped token (tok_...)" } },
      },
    };
  }
}

function operation(method: string, path: string, schema: RouteSchema | undefined): Operation {
  const head = method === "HEAD";
  const responses = Object.fromEntries(
    Object.entries(
      schema?.response ?? { default: { description: "undocumented", content: { "application/json": { schema: ERROR_BODY } } } },
    ).map(([status, response]) => [status, answer(response, head)]),
  );
  return {
    operationId: operationId(method, path),
    summary: head ? `Headers of: ${schema?.summary ?? path}` : (schema?.summary ?? path),
    ...(schema?.description !== undefined && { description: schema.description }),
    tags: schema?.tags ?? [],
    parameters: [
      ...parameters(schema?.params, "path"),
      ...parameters(schema?.querystring, "query"),
      ...parameters(schema?.headers, "header"),
      { $ref: "#/components/parameters/VersoProtocol" },
    ],
    ...(schema?.body !== undefined && { requestBody: { required: true, content: { "application/json": { schema: schema.body } } } }),
    responses,
    ...(schema?.open && { security: [] }),
  };
}

/** Every answer names the protocol it was given in; a HEAD answer has no body. */
function answer(response: Response, head: boolean): Response {
  const protocol = { description: "the protocol the answer speaks", schema: { type: "string" } };
  const { content, ...rest } = response;
  return { ...rest, headers: { ...response.headers, [PROTOCOL_HEADER]: protocol }, ...(content && !head && { content }) };
}

function parameters(schema: JsonSchema | undefined, where: "path" | "query" | "header"): Operation[] {
  const properties = (schema?.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((schema?.required ?? []) as string[]);
  return Object.entries(properties).map(([name, property]) => {
    const { description, ...rest } = property;
    return {
      name,
      in: where,
      required: where === "path" || required.has(name),
      ...(typeof description === "string" && { description }),
      schema: rest,
      ...(where === "query" && Array.isArray(rest.oneOf) && { style: "form", explode: true }),
    };
  });
}

/** `GET /v1/regions/{region}/changes` → `getRegionsByRegionChanges`. */
function operationId(method: string, path: string): string {
  const words = path
    .split("/")
    .filter((part) => part !== "" && part !== "v1")
    .map((part) => (part.startsWith("{") ? `By${capital(part.slice(1, -1))}` : part.split(/[-.]/).map(capital).join("")));
  // "/ui" and "/ui/" are two routes: the trailing slash names the index.
  return method.toLowerCase() + words.join("") + (path.endsWith("/") && path !== "/" ? "Index" : "");
}

function capital(word: string): string {
  return word.charAt(0).toUpperCase() + word.slice(1);
}
