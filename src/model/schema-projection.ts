/**
 * Projection of a value written under one schema version to another, the way Avro
 * resolves a writer's record for a reader: properties the reader does not declare are
 * dropped, properties the writer could not have written get the reader's default, and
 * objects and array items are resolved recursively. Properties neither version
 * declares pass through while the reader admits them.
 *
 * Projection only reshapes. Whether the result is valid under the reader's version is
 * for the caller to check (core validates it and refuses a value that is not): for
 * versions registered as compatible it always is.
 *
 * A pair of versions is compiled once into a plan (the feed projects every value of a
 * page with the same pair), so walking the schemas costs nothing per value.
 */
import type { JsonSchema } from "../protocol/schemas.js";
import type { Json } from "../protocol/types.js";
import { extraSchemaOf, hasDefault, isObject, itemsOf, opennessOf, propertiesOf, requiredOf } from "./schema-nodes.js";

export type Projection = (value: Json) => Json;

const identity: Projection = (value) => value;

export function project(value: Json, from: JsonSchema, to: JsonSchema): Json {
  return compileProjection(from, to)(value);
}

/** The projection from `from` to `to` as a function, for projecting many values. */
export function compileProjection(from: JsonSchema, to: JsonSchema): Projection {
  const fromItems = itemsOf(from);
  const toItems = itemsOf(to);
  const items = fromItems === undefined && toItems === undefined ? identity : compileProjection(fromItems ?? {}, toItems ?? {});
  const object = reshapes(from) || reshapes(to) ? compileObject(from, to) : undefined;
  if (items === identity && object === undefined) return identity;
  return (value) => {
    if (Array.isArray(value)) return items === identity ? value : value.map(items);
    return isObject(value) && object !== undefined ? object(value) : value;
  };
}

/** Whether an object under this node could come out of projection other than it went in. */
function reshapes(node: JsonSchema): boolean {
  return Object.keys(propertiesOf(node)).length > 0 || opennessOf(node).kind !== "open";
}

type ObjectProjection = (value: { [key: string]: Json }) => Json;

function compileObject(from: JsonSchema, to: JsonSchema): ObjectProjection {
  const fromProps = propertiesOf(from);
  const toProps = propertiesOf(to);
  const required = requiredOf(to);
  const closed = opennessOf(to).kind === "closed";
  const extras = compileProjection(extraSchemaOf(from), extraSchemaOf(to));
  /** What becomes of each property the value may hold, by name; absent: an undeclared extra. */
  const declared = new Map<string, Projection | "drop">();
  for (const [name, prop] of Object.entries(toProps)) {
    declared.set(name, compileProjection(Object.hasOwn(fromProps, name) ? fromProps[name]! : extraSchemaOf(from), prop));
  }
  for (const name of Object.keys(fromProps)) if (!declared.has(name)) declared.set(name, "drop");
  // A writer that declared a property and left it out meant it absent; fill it only if
  // the writer could not have written it or the reader cannot do without it.
  const defaults = Object.entries(toProps).filter(
    ([name, prop]) => hasDefault(prop) && (!Object.hasOwn(fromProps, name) || required.has(name)),
  );
  return (value) => {
    const entries: [string, Json][] = [];
    for (const name in value) {
      if (!Object.hasOwn(value, name)) continue;
      const plan = declared.get(name);
      if (plan === "drop") continue;
      if (plan !== undefined) entries.push([name, plan(value[name]!)]);
      else if (!closed) entries.push([name, extras(value[name]!)]);
    }
    for (const [name, prop] of defaults) if (!Object.hasOwn(value, name)) entries.push([name, structuredClone(prop.default as Json)]);
    // fromEntries defines own properties, so a key "__proto__" stays data.
    return Object.fromEntries(entries);
  };
}
