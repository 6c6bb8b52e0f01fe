/**
 * Reading JSON Schema nodes the way verso reasons about them. An absent subschema is
 * `{}`, which accepts anything; `properties` and `required` are looked up as own keys
 * only, so a property named `constructor` is not mistaken for Object's.
 */
import type { JsonSchema } from "../protocol/schemas.js";
import type { Json } from "../protocol/types.js";

export const ANY: JsonSchema = {};

export function isObject(value: Json | undefined): value is { [key: string]: Json } {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function propertiesOf(node: JsonSchema): Readonly<Record<string, JsonSchema>> {
  const properties = node.properties;
  return isObject(properties) ? (properties as Record<string, JsonSchema>) : {};
}

export function propertyOf(node: JsonSchema, name: string): JsonSchema | undefined {
  const properties = propertiesOf(node);
  return Object.hasOwn(properties, name) ? properties[name] : undefined;
}

export function requiredOf(node: JsonSchema): ReadonlySet<string> {
  const required = node.required;
  return new Set(Array.isArray(required) ? required.filter((name): name is string => typeof name === "string") : []);
}

export function hasDefault(node: JsonSchema): boolean {
  return Object.hasOwn(node, "default");
}

/** What an object lets through besides its declared properties. */
export type Openness = { kind: "open" } | { kind: "closed" } | { kind: "schema"; schema: JsonSchema };

export function opennessOf(node: JsonSchema): Openness {
  const additional = node.additionalProperties;
  if (additional === false) return { kind: "closed" };
  if (isObject(additional)) return { kind: "schema", schema: additional };
  return { kind: "open" };
}

/** The schema of a property the object does not declare: its additionalProperties, or anything. */
export function extraSchemaOf(node: JsonSchema): JsonSchema {
  const openness = opennessOf(node);
  return openness.kind === "schema" ? openness.schema : ANY;
}

export function itemsOf(node: JsonSchema): JsonSchema | undefined {
  const items = node.items;
  return isObject(items) ? items : undefined;
}

/** The set of types a node allows, sorted; undefined when `type` is absent (any type). */
export function typesOf(node: JsonSchema): string[] | undefined {
  const type = node.type;
  if (typeof type === "string") return [type];
  if (Array.isArray(type)) return type.filter((t): t is string => typeof t === "string").sort();
  return undefined;
}

/** Structural equality of JSON values (key order does not matter). */
export function jsonEqual(a: Json | undefined, b: Json | undefined): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((item, i) => jsonEqual(item, b[i]));
  if (isObject(a) && isObject(b)) {
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length && keys.every((key) => Object.hasOwn(b, key) && jsonEqual(a[key], b[key]));
  }
  return false;
}

/** A JSON pointer with one more segment (RFC 6901 escaping). */
export function pointer(base: string, ...segments: (string | number)[]): string {
  return segments.reduce<string>((path, segment) => `${path}/${String(segment).replaceAll("~", "~0").replaceAll("/", "~1")}`, base);
}
