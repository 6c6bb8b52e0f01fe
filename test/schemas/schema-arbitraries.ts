/**
 * fast-check arbitraries for verso's schema subset: random schemas, random evolutions
 * of them, and random values valid under a schema.
 */
import fc from "fast-check";
import type { JsonSchema } from "../../src/protocol/schemas.js";
import type { Json } from "../../src/protocol/types.js";

const NAMES = ["a", "b", "c", "d", "e"] as const;
const WORDS = ["x", "y", "z", "w"] as const;

type Node = { [keyword: string]: Json };

const leaf: fc.Arbitrary<Node> = fc.oneof(
  fc.constant<Node>({ type: "integer" }),
  fc.constant<Node>({ type: "integer", minimum: 0 }),
  fc.constant<Node>({ type: "string" }),
  fc.constant<Node>({ type: "boolean" }),
  fc.constant<Node>({ type: ["string", "null"] }),
  fc.subarray([...WORDS], { minLength: 1 }).map((values) => ({ type: "string", enum: values })),
);

function withDefault(node: Node): fc.Arbitrary<Node> {
  return fc.option(validValue(node), { nil: undefined }).map((value) => (value === undefined ? node : { ...node, default: value }));
}

export function schemaArb(depth = 2): fc.Arbitrary<Node> {
  if (depth === 0) return leaf.chain(withDefault);
  return fc.oneof(
    { weight: 3, arbitrary: leaf.chain(withDefault) },
    { weight: 2, arbitrary: objectArb(depth) },
    { weight: 1, arbitrary: arrayArb(depth) },
  );
}

function arrayArb(depth: number): fc.Arbitrary<Node> {
  return schemaArb(depth - 1).map((items) => ({ type: "array", items }));
}

export function objectArb(depth: number): fc.Arbitrary<Node> {
  return fc
    .record({
      properties: fc.dictionary(fc.constantFrom(...NAMES), schemaArb(depth - 1), { maxKeys: 4 }),
      openness: fc.constantFrom<"open" | "closed" | "schema">("open", "closed", "closed", "schema"),
      extra: leaf,
    })
    .chain(({ properties, openness, extra }) =>
      fc.subarray(Object.keys(properties)).map((required) => {
        const node: Node = { type: "object", properties };
        if (required.length > 0) node.required = required;
        if (openness === "closed") node.additionalProperties = false;
        if (openness === "schema") node.additionalProperties = extra;
        return node;
      }),
    );
}

/** Values valid under `node` (in verso's subset, as generated above). */
export function validValue(node: Json | undefined): fc.Arbitrary<Json> {
  if (typeof node !== "object" || node === null || Array.isArray(node)) return fc.constant(null);
  if (Array.isArray(node.enum)) return fc.constantFrom(...node.enum);
  const type = Array.isArray(node.type) ? undefined : node.type;
  if (Array.isArray(node.type)) return fc.oneof(fc.string({ maxLength: 4 }), fc.constant(null));
  switch (type) {
    case "integer":
      return fc.integer({ min: typeof node.minimum === "number" ? node.minimum : -100, max: 100 });
    case "string":
      return fc.string({ maxLength: 4 });
    case "boolean":
      return fc.boolean();
    case "array":
      return fc.array(validValue(node.items), { maxLength: 3 });
    case "object":
      return objectValueOf(node);
    default:
      return fc.jsonValue({ maxDepth: 1 }) as fc.Arbitrary<Json>;
  }
}

function objectValueOf(node: Node): fc.Arbitrary<Json> {
  const properties = (node.properties ?? {}) as Record<string, Json>;
  const required = new Set((node.required ?? []) as string[]);
  const declared = fc.record(Object.fromEntries(Object.entries(properties).map(([name, sub]) => [name, validValue(sub)])), {
    requiredKeys: [...required],
  });
  const additional = node.additionalProperties;
  if (additional === false) return declared as fc.Arbitrary<Json>;
  const extraNames = [...NAMES, "f", "g"].filter((name) => !Object.hasOwn(properties, name));
  const extras = fc.dictionary(
    fc.constantFrom(...extraNames),
    additional === undefined ? fc.jsonValue({ maxDepth: 1 }) : validValue(additional),
    {
      maxKeys: 2,
    },
  );
  return fc.tuple(declared, extras).map(([own, more]) => Object.fromEntries([...Object.entries(more), ...Object.entries(own)]) as Json);
}

/** One random change somewhere in the schema, compatible or not (the checker decides). */
export function mutationOf(node: Node, depth = 2): fc.Arbitrary<Node> {
  const changes: fc.Arbitrary<Node>[] = [];
  const properties = (node.properties ?? undefined) as Record<string, Node> | undefined;
  if (properties !== undefined) {
    const names = Object.keys(properties);
    const required = (node.required ?? []) as string[];
    const setRequired = (list: string[]): Node => {
      const { required: _r, ...rest } = node;
      return list.length > 0 ? { ...rest, required: list } : rest;
    };
    const free = NAMES.filter((name) => !names.includes(name));
    if (free.length > 0) {
      changes.push(
        fc.tuple(fc.constantFrom(...free), schemaArb(Math.max(depth - 1, 0)), fc.boolean()).chain(([name, sub, makeRequired]) =>
          (makeRequired ? validValue(sub).map((value) => ({ ...sub, default: value })) : fc.constant(sub)).map((prop) => {
            const next = { ...node, properties: { ...properties, [name]: prop } };
            return makeRequired ? { ...next, required: [...required, name] } : next;
          }),
        ),
      );
    }
    if (names.length > 0) {
      changes.push(
        fc.constantFrom(...names).chain((name) =>
          fc.oneof(
            // remove the property
            fc.constant({ ...setRequired(required.filter((r) => r !== name)), properties: without(properties, name) }),
            // toggle required
            fc.constant(setRequired(required.includes(name) ? required.filter((r) => r !== name) : [...required, name])),
            // change it inside
            mutationOf(properties[name]!, depth - 1).map((sub) => ({ ...node, properties: { ...properties, [name]: sub } })),
          ),
        ),
      );
    }
    changes.push(
      fc.constantFrom<Json | undefined>(undefined, false, { type: "integer" }).map((additional) => {
        const { additionalProperties: _a, ...rest } = node;
        return additional === undefined ? rest : { ...rest, additionalProperties: additional };
      }),
    );
  }
  if (node.type === "array" && node.items !== undefined) {
    changes.push(mutationOf(node.items as Node, depth - 1).map((items) => ({ ...node, items })));
  }
  if (Array.isArray(node.enum)) {
    changes.push(fc.subarray([...WORDS], { minLength: 1 }).map((values) => ({ ...node, enum: values })));
  }
  if (node.default !== undefined) {
    const { default: _d, ...rest } = node;
    changes.push(fc.constant(rest));
  } else {
    changes.push(validValue(node).map((value) => ({ ...node, default: value })));
  }
  changes.push(leaf);
  return fc.oneof(...changes);
}

function without(record: Record<string, Node>, name: string): Record<string, Node> {
  const { [name]: _gone, ...rest } = record;
  return rest;
}

export type { JsonSchema };
