/**
 * Every compatibility rule has a pair of versions that breaks it (refused, naming the
 * rule at its path) and a pair that honours it (accepted) under the same mode.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { COMPATIBILITY_RULES, compatibilityReasons, registrationReasons } from "../../src/model/schema-compatibility.js";
import type { Compatibility, JsonSchema } from "../../src/protocol/schemas.js";

const closed = (properties: Record<string, JsonSchema>, required: string[] = []): JsonSchema => ({
  type: "object",
  properties,
  ...(required.length > 0 && { required }),
  additionalProperties: false,
});
const open = (properties: Record<string, JsonSchema>, required: string[] = []): JsonSchema => ({
  type: "object",
  properties,
  ...(required.length > 0 && { required }),
});
const int: JsonSchema = { type: "integer" };
const str: JsonSchema = { type: "string" };
const colour = (...values: string[]): JsonSchema => ({ type: "string", enum: values });

interface Case {
  rule: keyof typeof COMPATIBILITY_RULES;
  mode: Compatibility;
  older: JsonSchema;
  breaks: JsonSchema;
  path: string;
  honours: JsonSchema;
}

const CASES: Case[] = [
  {
    rule: "type_changed",
    mode: "full",
    older: closed({ a: int }),
    breaks: closed({ a: str }),
    path: "/properties/a/type",
    honours: closed({ a: { type: "integer", description: "count" } }),
  },
  {
    rule: "type_changed",
    mode: "backward",
    older: closed({ spec: closed({ ports: { type: "array", items: int } }) }),
    breaks: closed({ spec: closed({ ports: { type: "array", items: { type: "number" } } }) }),
    path: "/properties/spec/properties/ports/items/type",
    honours: closed({ spec: closed({ ports: { type: "array", items: int }, host: str }) }),
  },
  {
    rule: "constraint_changed",
    mode: "full",
    older: closed({ a: { type: "integer", minimum: 0 } }),
    breaks: closed({ a: { type: "integer", minimum: 1 } }),
    path: "/properties/a/minimum",
    honours: closed({ a: { type: "integer", minimum: 0, title: "A" } }),
  },
  {
    rule: "additional_properties_changed",
    mode: "full",
    older: closed({ a: int }),
    breaks: open({ a: int }),
    path: "/additionalProperties",
    honours: closed({ a: int }),
  },
  {
    rule: "enum_narrowed",
    mode: "backward",
    older: closed({ c: colour("red", "blue") }),
    breaks: closed({ c: colour("red") }),
    path: "/properties/c/enum",
    honours: closed({ c: colour("red", "blue", "green") }),
  },
  {
    rule: "enum_narrowed",
    mode: "backward",
    older: closed({ c: str }),
    breaks: closed({ c: colour("red") }),
    path: "/properties/c/enum",
    honours: closed({ c: str }),
  },
  {
    rule: "enum_widened",
    mode: "forward",
    older: closed({ c: colour("red", "blue") }),
    breaks: closed({ c: colour("red", "blue", "green") }),
    path: "/properties/c/enum",
    honours: closed({ c: colour("red") }),
  },
  {
    rule: "required_added_without_default",
    mode: "backward",
    older: closed({ a: int }, ["a"]),
    breaks: closed({ a: int, b: int }, ["a", "b"]),
    path: "/properties/b",
    honours: closed({ a: int, b: { type: "integer", default: 1 } }, ["a", "b"]),
  },
  {
    rule: "required_added_without_default",
    mode: "backward",
    older: closed({ a: int }),
    breaks: closed({ a: int }, ["a"]),
    path: "/properties/a",
    honours: closed({ a: { type: "integer", default: 0 } }, ["a"]),
  },
  {
    rule: "property_added_to_open_object",
    mode: "backward",
    older: open({ a: int }),
    breaks: open({ a: int, b: int }),
    path: "/properties/b",
    honours: open({ a: int }),
  },
  {
    rule: "property_added_to_open_object",
    mode: "full",
    older: { type: "object", properties: {}, additionalProperties: str },
    breaks: { type: "object", properties: { b: str }, additionalProperties: str },
    path: "/properties/b",
    honours: { type: "object", properties: {}, additionalProperties: str },
  },
  {
    rule: "required_removed",
    mode: "forward",
    older: closed({ a: int, b: int }, ["a", "b"]),
    breaks: closed({ a: int }, ["a"]),
    path: "/properties/b",
    honours: closed({ a: int, b: int }, ["a", "b"]),
  },
  {
    rule: "required_removed",
    mode: "forward",
    older: closed({ a: int }, ["a"]),
    breaks: closed({ a: int }),
    path: "/properties/a",
    honours: closed({ a: int }, ["a"]),
  },
  {
    rule: "property_removed_from_open_object",
    mode: "forward",
    older: open({ a: int, b: int }),
    breaks: open({ a: int }),
    path: "/properties/b",
    honours: open({ a: int, b: int, c: int }),
  },
  {
    rule: "property_removed",
    mode: "full",
    older: closed({ a: int, b: { type: "integer", default: 1 } }),
    breaks: closed({ a: int }),
    path: "/properties/b",
    honours: closed({ a: int, b: { type: "integer", default: 1 } }),
  },
  {
    rule: "required_added",
    mode: "full",
    older: closed({ a: { type: "integer", default: 1 } }),
    breaks: closed({ a: { type: "integer", default: 1 } }, ["a"]),
    path: "/properties/a",
    honours: closed({ a: { type: "integer", default: 2 } }),
  },
];

describe("compatibility rules", () => {
  it("every rule has a case", () => {
    const covered = new Set(CASES.map((c) => c.rule));
    assert.deepEqual(
      Object.keys(COMPATIBILITY_RULES).filter((rule) => !covered.has(rule as Case["rule"])),
      [],
    );
  });

  for (const c of CASES) {
    it(`${c.rule} (${c.mode}) at ${c.path}: refused when broken, accepted when honoured`, () => {
      const reasons = compatibilityReasons(c.older, c.breaks, c.mode);
      assert.ok(
        reasons.some((r) => r.rule === c.rule && r.path === c.path),
        `expected ${c.rule} at ${c.path}, got ${JSON.stringify(reasons)}`,
      );
      assert.deepEqual(compatibilityReasons(c.older, c.honours, c.mode), []);
      assert.deepEqual(compatibilityReasons(c.older, c.breaks, "none"), [], "none checks nothing");
    });
  }

  it("the modes differ where they should", () => {
    const older = closed({ a: int, b: { type: "integer", default: 1 } }, ["a"]);
    const dropped = closed({ a: int }, ["a"]);
    assert.deepEqual(compatibilityReasons(older, dropped, "backward"), []);
    assert.deepEqual(compatibilityReasons(older, dropped, "forward"), []);
    assert.deepEqual(
      compatibilityReasons(older, dropped, "full").map((r) => r.rule),
      ["property_removed"],
    );
    const added = closed({ a: int, b: { type: "integer", default: 1 }, c: str }, ["a"]);
    assert.deepEqual(compatibilityReasons(older, added, "full"), []);
  });

  it("a new version is checked against every registered one, not only the latest", () => {
    const v1 = closed({ a: int });
    const v2 = closed({});
    const v3 = closed({ a: str });
    assert.deepEqual(registrationReasons([v1], v2, "backward"), []);
    assert.deepEqual(compatibilityReasons(v2, v3, "backward"), []);
    const reasons = registrationReasons([v1, v2], v3, "backward");
    assert.deepEqual(
      reasons.map((r) => [r.path, r.rule]),
      [["/properties/a/type", "type_changed"]],
    );
    assert.match(reasons[0]!.message, /against version 1/);
  });

  it("names each broken rule once, with a message saying what changed", () => {
    const reasons = compatibilityReasons(closed({ a: int, c: colour("x") }, ["a"]), closed({ a: str, c: colour("y") }), "full");
    assert.deepEqual(reasons.map((r) => r.rule).sort(), ["enum_narrowed", "enum_widened", "required_removed", "type_changed"]);
    assert.ok(reasons.every((r) => r.message.length > 0));
  });
});
