/** The subset verso reasons about, and the ajv wrapper's reports on schemas and values. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { SchemaValidator } from "../../src/core/schema-validator.js";
import { subsetProblems } from "../../src/model/schema-subset.js";

describe("schema subset", () => {
  it("accepts the structural keywords, constraints and annotations", () => {
    const schema = {
      $schema: "https://json-schema.org/draft/2020-12/schema",
      title: "deployment",
      type: "object",
      properties: {
        image: { type: "string", minLength: 1, description: "the image" },
        replicas: { type: "integer", minimum: 0, default: 1 },
        tier: { enum: ["web", "batch"] },
        ports: { type: "array", items: { type: "integer" }, maxItems: 8 },
        labels: { type: "object", additionalProperties: { type: "string" } },
      },
      required: ["image"],
      additionalProperties: false,
    };
    assert.deepEqual(subsetProblems(schema), []);
  });

  it("refuses keywords it cannot reason about, at their path", () => {
    const schema = {
      type: "object",
      properties: { a: { anyOf: [{ type: "string" }, { type: "integer" }] }, b: { $ref: "#/$defs/b" } },
      $defs: { b: { type: "string" } },
      required: ["a", "zz"],
      items: true,
    };
    assert.deepEqual(
      subsetProblems(schema).map((p) => p.path),
      ["/$defs", "/properties/a/anyOf", "/properties/b/$ref", "/required", "/items"],
    );
  });
});

describe("schema validator", () => {
  const validator = new SchemaValidator();

  it("reports a schema that is not JSON Schema, and a default its node refuses", () => {
    assert.ok(validator.schemaProblems({ type: "whole-number" }).length > 0);
    assert.deepEqual(
      validator.schemaProblems({ type: "object", properties: { n: { type: "integer", minimum: 0, default: -1 } } }).map((p) => p.path),
      ["/properties/n/default"],
    );
    assert.deepEqual(validator.schemaProblems({ type: "object", properties: { n: { type: "integer", default: 3 } } }), []);
  });

  it("names each violation by the JSON pointer of the value at fault", () => {
    const schema = {
      type: "object",
      properties: {
        image: { type: "string" },
        spec: { type: "object", properties: { ports: { type: "array", items: { type: "integer" } } } },
      },
      required: ["image"],
      additionalProperties: false,
    };
    const paths = validator.violations("d", 1, schema, { spec: { ports: [80, "x"] }, "a/b": 1 }).map((v) => v.path);
    assert.deepEqual(paths.sort(), ["/a~1b", "/image", "/spec/ports/1"]);
    assert.deepEqual(validator.violations("d", 1, schema, { image: "web" }), []);
  });

  it("two collections may use the same $id", () => {
    const schema = { $id: "https://example.com/s", type: "integer" };
    assert.deepEqual(validator.violations("x", 1, schema, 1), []);
    assert.equal(validator.violations("y", 1, schema, "no").length, 1);
  });
});
