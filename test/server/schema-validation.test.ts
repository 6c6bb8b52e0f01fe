/**
 * The validators Fastify gets for a route's query and headers skip the schema when none
 * of its names is present: this must answer exactly as the schema does, for any object.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Ajv2020 } from "ajv/dist/2020.js";
import fc from "fast-check";
import type { FastifyInstance, FastifySchemaCompiler } from "fastify";
import { FEED_QUERY, headers, IDEMPOTENCY_KEY, IF_MATCH, query, queryInteger } from "../../src/server/schema/route-schema.js";
import { installSchemaValidation } from "../../src/server/schema/validation.js";
import type { JsonSchema } from "../../src/server/schema/wire.js";

function compiler(): FastifySchemaCompiler<unknown> {
  let compile: FastifySchemaCompiler<unknown> | undefined;
  installSchemaValidation({
    setValidatorCompiler: (c: FastifySchemaCompiler<unknown>) => {
      compile = c;
    },
    setSerializerCompiler: () => {},
  } as unknown as FastifyInstance);
  if (!compile) throw new Error("no validator compiler installed");
  return compile;
}

const reference = new Ajv2020({ strict: true, verbose: true, allErrors: false });
reference.addKeyword({ keyword: "x-invalid", schemaType: "string" });

const SCHEMAS: Record<string, { schema: JsonSchema; httpPart: "headers" | "querystring" }> = {
  // Fastify lowercases a headers schema's names before compiling it.
  headers: {
    schema: headers({ "idempotency-key": IDEMPOTENCY_KEY["Idempotency-Key"] ?? {}, "if-match": IF_MATCH["If-Match"] ?? {} }),
    httpPart: "headers",
  },
  query: {
    schema: query({ minVersion: queryInteger("minVersion", "d"), timeoutMs: queryInteger("timeoutMs", "d") }),
    httpPart: "querystring",
  },
  feed: { schema: query(FEED_QUERY), httpPart: "querystring" },
};

const NAMES = ["idempotency-key", "if-match", "minVersion", "timeoutMs", "since", "schema", "limit", "host", "other"];
const value = fc.oneof(
  fc.string({ maxLength: 4 }),
  fc.stringMatching(/^\d{1,3}$/),
  fc.array(fc.string({ maxLength: 3 }), { maxLength: 2 }),
  fc.integer(),
);
const data = fc.oneof(fc.dictionary(fc.constantFrom(...NAMES), value, { maxKeys: 4 }), fc.constant(null), fc.string());

describe("query and headers validators", () => {
  const compile = compiler();
  for (const [name, { schema, httpPart }] of Object.entries(SCHEMAS)) {
    it(`${name}: answers as the schema does, with the schema's errors`, () => {
      const validate = compile({ schema, httpPart, method: "GET", url: "/" }) as ((d: unknown) => boolean) & { errors?: unknown };
      const expected = reference.compile(schema);
      fc.assert(
        fc.property(data, (d) => {
          const valid = validate(d);
          assert.equal(valid, expected(d));
          if (!valid) assert.deepEqual(validate.errors, expected.errors);
        }),
        { numRuns: 500 },
      );
    });
  }

  it("still refuses a bad value among names the schema does not know", () => {
    const validate = compile({ schema: SCHEMAS.query?.schema ?? {}, httpPart: "querystring", method: "GET", url: "/" });
    assert.equal(validate({ other: "1" }), true);
    assert.equal(validate({ other: "1", minVersion: "x" }), false);
  });
});
