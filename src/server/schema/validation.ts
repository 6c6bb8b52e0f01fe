/**
 * How Fastify uses the route schemas: path parameters, query and headers are validated
 * with them (draft 2020-12, no coercion: the query's integers stay strings that the
 * handlers convert). Bodies are not: the store validates every command itself, for
 * embedded use too, with the contract's messages; test/openapi checks that the body
 * schemas accept what the store accepts. Responses are sent as the handlers built them,
 * never reshaped by a schema.
 */
import { Ajv2020 } from "ajv/dist/2020.js";
import type { FastifyInstance } from "fastify";

export function installSchemaValidation(app: FastifyInstance): void {
  // verbose: a refusal carries its schema, whose `x-invalid` is the contract's message.
  const ajv = new Ajv2020({ strict: true, verbose: true, allErrors: false });
  ajv.addKeyword({ keyword: "x-invalid", schemaType: "string" });
  app.setValidatorCompiler(({ schema, httpPart }) => (httpPart === "body" ? () => true : ajv.compile(schema)));
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));
}
