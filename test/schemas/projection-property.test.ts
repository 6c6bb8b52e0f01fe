/**
 * Compatibility and projection agree: for random chains v1 → v2 → v3 that the checker
 * accepts, a value valid under one version, projected to a version the mode lets a
 * reader ask for, is valid there (checked with ajv), and under `full` a value projected
 * to any version and back is the value it was.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { SchemaValidator } from "../../src/core/schema-validator.js";
import { registrationReasons } from "../../src/model/schema-compatibility.js";
import { project } from "../../src/model/schema-projection.js";
import type { Compatibility, JsonSchema } from "../../src/protocol/schemas.js";
import type { Json } from "../../src/protocol/types.js";
import { mutationOf, objectArb, validValue } from "./schema-arbitraries.js";

const RUNS = Number(process.env.VERSO_PROPERTY_RUNS ?? 150);
const validator = new SchemaValidator();

function violations(schema: JsonSchema, value: Json): string[] {
  // The validator caches by (collection, version): the schema's text names it here.
  return validator.violations(JSON.stringify(schema), 1, schema, value).map((v) => `${v.path} ${v.message}`);
}

/** The next version: a mutation of the last one if the checker accepts it, else the last one again. */
function nextVersion(versions: JsonSchema[], mode: Compatibility): fc.Arbitrary<JsonSchema[]> {
  const last = versions[versions.length - 1]!;
  return fc
    .array(fc.constant(null), { minLength: 1, maxLength: 2 })
    .chain((steps) => steps.reduce<fc.Arbitrary<JsonSchema>>((arb) => arb.chain((s) => mutationOf(s)), fc.constant(last)))
    .map((candidate) => {
      const accepted = registrationReasons(versions, candidate, mode).length === 0;
      return [...versions, accepted && validator.schemaProblems(candidate).length === 0 ? candidate : last];
    });
}

function chainArb(mode: Compatibility): fc.Arbitrary<JsonSchema[]> {
  return objectArb(2)
    .map((v1) => [v1])
    .chain((vs) => nextVersion(vs, mode))
    .chain((vs) => nextVersion(vs, mode));
}

/** A chain with one value written under each of its versions. */
function writtenArb(mode: Compatibility): fc.Arbitrary<{ versions: JsonSchema[]; values: Json[] }> {
  // Through JSON text, as storage holds them: plain objects, no -0.
  return chainArb(mode).chain((versions) =>
    fc.tuple(...versions.map((v) => validValue(v))).map((values) => JSON.parse(JSON.stringify({ versions, values }))),
  );
}

/** Which versions a reader may ask for, for a value written under version `from`. */
function readable(mode: Compatibility, from: number, to: number): boolean {
  if (mode === "backward") return to >= from;
  if (mode === "forward") return to <= from;
  return true;
}

function projectionHolds(mode: Compatibility, { versions, values }: { versions: JsonSchema[]; values: Json[] }): void {
  values.forEach((value, from) => {
    const writer = versions[from]!;
    assert.deepEqual(violations(writer, value), [], "the generated value is valid under its version");
    versions.forEach((reader, to) => {
      if (!readable(mode, from, to)) return;
      const projected = project(value, writer, reader);
      assert.deepEqual(violations(reader, projected), [], `v${from + 1} → v${to + 1}: ${JSON.stringify(projected)}`);
      // Going back from a newer version returns what the older one held; fields added
      // later are dropped on the way down, so the other order would lose them by design.
      if (mode === "full" && to >= from) {
        assert.deepEqual(project(projected, reader, writer), value, `v${from + 1} → v${to + 1} → v${from + 1}`);
      }
    });
  });
}

describe("projection over compatible chains", () => {
  for (const mode of ["full", "backward", "forward"] as const) {
    it(`${mode}: projected values are valid${mode === "full" ? " and come back unchanged from newer ones" : ""}`, () => {
      let evolved = 0;
      fc.assert(
        fc.property(writtenArb(mode), (written) => {
          const [v1, v2, v3] = written.versions;
          if (v1 !== v2 && v2 !== v3) evolved++;
          projectionHolds(mode, written);
        }),
        { numRuns: RUNS },
      );
      // Chains where the checker refused both changes prove nothing; most runs must evolve twice.
      assert.ok(evolved > RUNS / 10, `only ${evolved} of ${RUNS} chains evolved twice`);
    });
  }

  it("finds a counterexample when nothing is checked (the property can fail)", () => {
    const result = fc.check(
      fc.property(writtenArb("none"), (written) => {
        projectionHolds("full", written);
      }),
      { numRuns: RUNS },
    );
    assert.equal(result.failed, true);
  });

  it("v1 → v3 → v1 returns the original for a fixed full chain", () => {
    const v1: JsonSchema = { type: "object", properties: { image: { type: "string" } }, required: ["image"], additionalProperties: false };
    const v2: JsonSchema = { ...v1, properties: { image: { type: "string" }, replicas: { type: "integer", default: 1 } } };
    const v3: JsonSchema = {
      ...v2,
      properties: { ...(v2.properties as object), ports: { type: "array", items: { type: "integer" }, default: [80] } },
      required: ["image", "replicas"],
    };
    assert.deepEqual(registrationReasons([v1], v2, "full"), []);
    assert.deepEqual(
      registrationReasons([v1, v2], v3, "full").map((r) => r.rule),
      ["required_added"],
    );
    const v3ok: JsonSchema = { ...v3, required: ["image"] };
    assert.deepEqual(registrationReasons([v1, v2], v3ok, "full"), []);
    const value = { image: "web:1" };
    const up = project(value, v1, v3ok);
    assert.deepEqual(up, { image: "web:1", replicas: 1, ports: [80] });
    assert.deepEqual(project(up, v3ok, v1), value);
  });
});
