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
 */
import type { JsonSchema } from "../protocol/schemas.js";
import type { Json } from "../protocol/types.js";
import { extraSchemaOf, hasDefault, isObject, itemsOf, opennessOf, propertiesOf, requiredOf } from "./schema-nodes.js";

export function project(value: Json, from: JsonSchema, to: JsonSchema): Json {
  if (Array.isArray(value)) {
    const fromItems = itemsOf(from);
    const toItems = itemsOf(to);
    if (fromItems === undefined && toItems === undefined) return value;
    return value.map((item) => project(item, fromItems ?? {}, toItems ?? {}));
  }
  if (isObject(value)) return projectObject(value, from, to);
  return value;
}

function projectObject(value: { [key: string]: Json }, from: JsonSchema, to: JsonSchema): Json {
  const fromProps = propertiesOf(from);
  const toProps = propertiesOf(to);
  const toClosed = opennessOf(to).kind === "closed";
  const entries: [string, Json][] = [];
  for (const [name, item] of Object.entries(value)) {
    const declaredByWriter = Object.hasOwn(fromProps, name);
    if (Object.hasOwn(toProps, name)) {
      entries.push([name, project(item, declaredByWriter ? fromProps[name]! : extraSchemaOf(from), toProps[name]!)]);
    } else if (!declaredByWriter && !toClosed) {
      entries.push([name, project(item, extraSchemaOf(from), extraSchemaOf(to))]);
    }
  }
  const required = requiredOf(to);
  for (const [name, prop] of Object.entries(toProps)) {
    if (Object.hasOwn(value, name) || !hasDefault(prop)) continue;
    // A writer that declared the property and left it out meant it absent; fill it
    // only if the writer could not have written it or the reader cannot do without it.
    if (!Object.hasOwn(fromProps, name) || required.has(name)) entries.push([name, structuredClone(prop.default as Json)]);
  }
  // fromEntries defines own properties, so a key "__proto__" stays data.
  return Object.fromEntries(entries);
}
