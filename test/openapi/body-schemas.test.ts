/**
 * Request bodies are validated by the store (embedded use needs it too), not by Fastify, so
 * the body schemas in the OpenAPI document are a second description of the same rules.
 * These properties keep the two from drifting: whatever the store accepts, the document
 * accepts; whatever the document accepts and the store refuses is refused for a rule a
 * JSON Schema cannot state (name syntax, an op touching a row twice, value size or depth).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Ajv2020 } from "ajv/dist/2020.js";
import fc from "fast-check";
import { compactCommand, txnCommand } from "../../src/core/commands.js";
import { tokenRequest } from "../../src/core/tokens.js";
import { BadRequestError } from "../../src/protocol/errors.js";
import { COMPACT_REQUEST, type JsonSchema, TOKEN_REQUEST, TXN_REQUEST } from "../../src/server/schema/wire.js";

const ajv = new Ajv2020({ strict: false, allErrors: false });

/** What only the store can tell: messages of the rules a JSON Schema does not express. */
const SEMANTIC_ONLY = [/name/, /touches .* a second time/, /nests deeper/, /larger than/];

function agree(schema: JsonSchema, accept: (body: unknown) => unknown, body: unknown): void {
  const documented = ajv.validate(schema, body);
  let refusal: Error | undefined;
  try {
    accept(body);
  } catch (error) {
    refusal = error as Error;
  }
  if (refusal === undefined) {
    assert.ok(documented, `the store accepts a body the document refuses: ${JSON.stringify(body)} ${ajv.errorsText()}`);
    return;
  }
  assert.ok(refusal instanceof BadRequestError, `unexpected refusal ${refusal.name}: ${refusal.message}`);
  if (documented) {
    assert.ok(
      SEMANTIC_ONLY.some((rule) => rule.test(refusal.message)),
      `the document accepts a body the store refuses for a rule it could state: ${JSON.stringify(body)} → ${refusal.message}`,
    );
  }
}

const name = fc.oneof(fc.constantFrom("web", "api", "a.b", "x-1", "", " ", "a/b", "é"), fc.string({ maxLength: 6 }));
const junk = fc.oneof(fc.constant(undefined), fc.constant(null), fc.integer({ min: -2, max: 3 }), fc.double(), fc.string({ maxLength: 3 }));
const version = fc.oneof(fc.nat({ max: 5 }), junk);

const putOp = fc.record(
  {
    op: fc.constant("put"),
    collection: name,
    key: name,
    value: fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.constant(undefined)),
    ifVersion: version,
  },
  { requiredKeys: ["op"] },
);
const deleteOp = fc.record({ op: fc.constant("delete"), collection: name, key: name, ifVersion: version }, { requiredKeys: ["op"] });
const strangeOp = fc.oneof(
  fc.record({ op: fc.constantFrom("get", "PUT", 1), collection: name, key: name }),
  fc.record({ op: fc.constant("delete"), collection: name, key: name, value: fc.jsonValue({ maxDepth: 1 }) }),
  fc.record({ op: fc.constant("put"), collection: name, key: name, value: fc.jsonValue({ maxDepth: 1 }), extra: fc.nat() }),
  junk,
);
const op = fc.oneof({ weight: 4, arbitrary: putOp }, { weight: 3, arbitrary: deleteOp }, { weight: 1, arbitrary: strangeOp });

describe("request body schemas in the OpenAPI document agree with the store", () => {
  it("transactions", () => {
    const body = fc.oneof(
      { weight: 8, arbitrary: fc.record({ ops: fc.array(op, { maxLength: 4 }) }) },
      { weight: 1, arbitrary: fc.record({ ops: fc.array(op, { maxLength: 2 }), other: fc.nat() }) },
      { weight: 1, arbitrary: fc.oneof(junk, fc.array(op, { maxLength: 2 }), fc.record({ ops: junk })) },
    );
    fc.assert(
      fc.property(body, (b) => agree(TXN_REQUEST, (x) => txnCommand("r", x), b)),
      { numRuns: 2000 },
    );
  });

  it("compaction", () => {
    const body = fc.oneof(
      fc.record({ retainVersions: version }, { requiredKeys: [] }),
      fc.record({ beforeVersion: version }, { requiredKeys: [] }),
      fc.record({ retainVersions: version, beforeVersion: version }),
      junk,
    );
    fc.assert(
      fc.property(body, (b) => agree(COMPACT_REQUEST, (x) => compactCommand("r", x), b)),
      { numRuns: 1000 },
    );
  });

  it("tokens", () => {
    const body = fc.oneof(
      fc.record(
        {
          regions: fc.oneof(fc.array(fc.oneof(name, fc.constant("*"), junk), { maxLength: 3 }), junk),
          role: fc.oneof(fc.constantFrom("read", "write", "admin"), junk),
          name: fc.oneof(name, fc.constant("a\u0001b"), fc.string({ minLength: 199, maxLength: 202 }), junk),
          other: fc.nat(),
        },
        { requiredKeys: [] },
      ),
      junk,
    );
    fc.assert(
      fc.property(body, (b) => agree(TOKEN_REQUEST, tokenRequest, b)),
      { numRuns: 2000 },
    );
  });

  it("can fail: a schema that forgets ifVersion is caught", () => {
    const forgetful: JsonSchema = {
      type: "object",
      required: ["ops"],
      additionalProperties: false,
      properties: {
        ops: {
          type: "array",
          minItems: 1,
          items: {
            type: "object",
            required: ["op", "collection", "key"],
            additionalProperties: false,
            properties: { op: { enum: ["put", "delete"] }, collection: { type: "string" }, key: { type: "string" }, value: {} },
          },
        },
      },
    };
    const body = { ops: [{ op: "delete", collection: "web", key: "a", ifVersion: 2 }] };
    assert.throws(() => agree(forgetful, (x) => txnCommand("r", x), body), /the store accepts a body the document refuses/);
  });
});
