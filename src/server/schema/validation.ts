/**
 * How Fastify uses the route schemas: path parameters, query and headers are validated
 * with them (draft 2020-12, no coercion: the query's integers stay strings that the
 * handlers convert). Bodies are not: the store validates every command itself, for
 * embedded use too, with the contract's messages; test/openapi checks that the body
 * schemas accept what the store accepts. Responses are sent as the handlers built them,
 * never reshaped by a schema.
 */
import { Ajv2020, type ValidateFunction } from "ajv/dist/2020.js";
import type { FastifyInstance } from "fastify";
import type { JsonSchema } from "./wire.js";

export function installSchemaValidation(app: FastifyInstance): void {
  // verbose: a refusal carries its schema, whose `x-invalid` is the contract's message.
  const ajv = new Ajv2020({ strict: true, verbose: true, allErrors: false });
  ajv.addKeyword({ keyword: "x-invalid", schemaType: "string" });
  app.setValidatorCompiler(({ schema, httpPart }) => {
    if (httpPart === "body") return () => true;
    const validate = ajv.compile(schema);
    const names = optionalNames(schema as JsonSchema);
    return names ? skipWhenAbsent(names, validate) : validate;
  });
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));
}

/**
 * The names of a schema that only describes optional properties (the query's and the
 * headers'), or undefined for any other schema. An object with none of those names
 * passes such a schema whatever else it holds.
 */
function optionalNames(schema: JsonSchema): string[] | undefined {
  const { type, properties, description, ...rest } = schema as { type?: unknown; properties?: unknown; description?: unknown };
  if (type !== "object" || typeof properties !== "object" || properties === null || Object.keys(rest).length > 0) return undefined;
  return Object.keys(properties);
}

/**
 * Most requests carry none of a route's optional headers or query parameters: they pass
 * without running the validator, whose cost is then paid only by the requests it concerns.
 */
function skipWhenAbsent(names: readonly string[], validate: ValidateFunction): ValidateFunction {
  const check = ((data: unknown, context?: Parameters<ValidateFunction>[1]) => {
    if (data !== null && typeof data === "object" && !carriesAny(data as Record<string, unknown>, names)) return true;
    const valid = validate(data, context);
    check.errors = validate.errors ?? null;
    return valid;
  }) as ValidateFunction;
  // Fastify hands the parent to validators that have one, as it would to Ajv's own.
  Object.assign(check, { schemaEnv: validate.schemaEnv, schema: validate.schema });
  return check;
}

function carriesAny(data: Record<string, unknown>, names: readonly string[]): boolean {
  for (const name of names) if (data[name] !== undefined) return true;
  return false;
}
