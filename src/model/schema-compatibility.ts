/**
 * Compatibility of a new schema version with an older one, decided structurally over
 * verso's subset (schema-subset.ts). The rules follow Avro's and Protobuf's resolution
 * (a reader fills defaults for fields the writer did not know and drops fields it does
 * not know itself) and Confluent's modes; each broken rule is reported at the JSON
 * pointer of the new schema's node.
 *
 * Directions: `backward` = the new version reads values written under the old one,
 * `forward` = the old version reads values written under the new one, `lossless` =
 * a value projected to the other version and back comes back unchanged, so nothing a
 * version declares may disappear (verso's `full` asks all three).
 */
import type { Compatibility, CompatibilityReason, JsonSchema } from "../protocol/schemas.js";
import type { Json } from "../protocol/types.js";
import { ANY, hasDefault, itemsOf, jsonEqual, opennessOf, pointer, propertiesOf, requiredOf, typesOf } from "./schema-nodes.js";
import { CONSTRAINT_KEYWORDS } from "./schema-subset.js";

/** Every rule verso checks, with the modes it holds in. */
export const COMPATIBILITY_RULES = {
  type_changed: "a property's type never changes",
  constraint_changed: "a constraint (minimum, maxLength, pattern…) never changes",
  additional_properties_changed: "whether an object admits undeclared properties never changes",
  enum_narrowed: "enum values are only added (backward)",
  enum_widened: "enum values are only removed (forward)",
  required_added_without_default: "a property that becomes required has a default (backward)",
  property_added_to_open_object: "a property is not added to an object that admitted undeclared properties (backward, full)",
  required_removed: "a required property without a default stays required (forward)",
  property_removed_from_open_object: "a property is not removed from an object that admits undeclared properties (forward)",
  property_removed: "a declared property is never removed (full)",
  required_added: "an optional property never becomes required (full)",
} as const;

export type CompatibilityRule = keyof typeof COMPATIBILITY_RULES;

interface Directions {
  backward: boolean;
  forward: boolean;
  lossless: boolean;
}

const DIRECTIONS: Record<Compatibility, Directions> = {
  backward: { backward: true, forward: false, lossless: false },
  forward: { backward: false, forward: true, lossless: false },
  full: { backward: true, forward: true, lossless: true },
  none: { backward: false, forward: false, lossless: false },
};
const BACKWARD_ONLY = DIRECTIONS.backward;
const FORWARD_ONLY = DIRECTIONS.forward;

/** The rules `newer` breaks against `older` under `mode` (empty: compatible). */
export function compatibilityReasons(older: JsonSchema, newer: JsonSchema, mode: Compatibility): CompatibilityReason[] {
  const reasons: CompatibilityReason[] = [];
  const directions = DIRECTIONS[mode];
  if (directions.backward || directions.forward) compare(older, newer, "", directions, reasons);
  return reasons;
}

/**
 * The rules `newer` breaks against any of the registered versions (oldest first).
 * Every version is checked, not only the latest: a reader may ask for any of them.
 */
export function registrationReasons(versions: readonly JsonSchema[], newer: JsonSchema, mode: Compatibility): CompatibilityReason[] {
  const seen = new Set<string>();
  const reasons: CompatibilityReason[] = [];
  versions.forEach((older, index) => {
    for (const reason of compatibilityReasons(older, newer, mode)) {
      const id = `${reason.path} ${reason.rule}`;
      if (seen.has(id)) continue;
      seen.add(id);
      reasons.push({ ...reason, message: `${reason.message} (against version ${index + 1})` });
    }
  });
  return reasons;
}

function report(reasons: CompatibilityReason[], path: string, rule: CompatibilityRule, detail: string): void {
  reasons.push({ path, rule, message: `${COMPATIBILITY_RULES[rule]}: ${detail}` });
}

function compare(older: JsonSchema, newer: JsonSchema, path: string, d: Directions, reasons: CompatibilityReason[]): void {
  const oldTypes = typesOf(older);
  const newTypes = typesOf(newer);
  if (!jsonEqual(oldTypes, newTypes)) {
    report(reasons, pointer(path, "type"), "type_changed", `${describeTypes(oldTypes)} became ${describeTypes(newTypes)}`);
  }
  for (const keyword of CONSTRAINT_KEYWORDS) {
    if (!jsonEqual(older[keyword], newer[keyword])) {
      report(reasons, pointer(path, keyword), "constraint_changed", `${keyword} ${show(older[keyword])} became ${show(newer[keyword])}`);
    }
  }
  compareEnums(older.enum, newer.enum, path, d, reasons);
  compareObjects(older, newer, path, d, reasons);
  const oldItems = itemsOf(older);
  const newItems = itemsOf(newer);
  if (oldItems !== undefined || newItems !== undefined) compare(oldItems ?? ANY, newItems ?? ANY, pointer(path, "items"), d, reasons);
}

function compareEnums(older: Json | undefined, newer: Json | undefined, path: string, d: Directions, reasons: CompatibilityReason[]): void {
  const oldValues = Array.isArray(older) ? older : undefined;
  const newValues = Array.isArray(newer) ? newer : undefined;
  const missingFrom = (values: readonly Json[], from: readonly Json[]) => values.filter((v) => !from.some((w) => jsonEqual(v, w)));
  if (d.backward && newValues !== undefined) {
    const lost = oldValues === undefined ? undefined : missingFrom(oldValues, newValues);
    if (lost === undefined) report(reasons, pointer(path, "enum"), "enum_narrowed", "an enum was introduced");
    else if (lost.length > 0) report(reasons, pointer(path, "enum"), "enum_narrowed", `removed ${lost.map(show).join(", ")}`);
  }
  if (d.forward && oldValues !== undefined) {
    const gained = newValues === undefined ? undefined : missingFrom(newValues, oldValues);
    if (gained === undefined) report(reasons, pointer(path, "enum"), "enum_widened", "the enum was dropped");
    else if (gained.length > 0) report(reasons, pointer(path, "enum"), "enum_widened", `added ${gained.map(show).join(", ")}`);
  }
}

function compareObjects(older: JsonSchema, newer: JsonSchema, path: string, d: Directions, reasons: CompatibilityReason[]): void {
  const oldOpen = opennessOf(older);
  const newOpen = opennessOf(newer);
  if (oldOpen.kind !== newOpen.kind) {
    report(reasons, pointer(path, "additionalProperties"), "additional_properties_changed", `${oldOpen.kind} became ${newOpen.kind}`);
  } else if (oldOpen.kind === "schema" && newOpen.kind === "schema") {
    compare(oldOpen.schema, newOpen.schema, pointer(path, "additionalProperties"), d, reasons);
  }
  const oldProps = propertiesOf(older);
  const newProps = propertiesOf(newer);
  const oldRequired = requiredOf(older);
  const newRequired = requiredOf(newer);
  for (const [name, newProp] of Object.entries(newProps)) {
    const at = pointer(path, "properties", name);
    const oldProp = Object.hasOwn(oldProps, name) ? oldProps[name] : undefined;
    const becomesRequired = newRequired.has(name) && !oldRequired.has(name);
    if (d.backward && becomesRequired && !hasDefault(newProp)) {
      report(reasons, at, "required_added_without_default", `${name} is required now and has no default`);
    }
    if (oldProp !== undefined) {
      compare(oldProp, newProp, at, d, reasons);
      if (d.lossless && becomesRequired) report(reasons, at, "required_added", `${name} was optional`);
    } else if (oldOpen.kind === "open" && d.backward) {
      // Values written under the older version may hold this name as an undeclared property.
      report(reasons, at, "property_added_to_open_object", `older values may hold ${name} undeclared, of any shape`);
    } else if (oldOpen.kind === "schema") {
      // Such a property, read by the newer version, would not come back on the way to the older one.
      if (d.lossless) report(reasons, at, "property_added_to_open_object", `older values may hold ${name} undeclared`);
      else if (d.backward) compare(oldOpen.schema, newProp, at, BACKWARD_ONLY, reasons);
    }
  }
  for (const [name, oldProp] of Object.entries(oldProps)) {
    const at = pointer(path, "properties", name);
    const newProp = Object.hasOwn(newProps, name) ? newProps[name] : undefined;
    if (d.forward && oldRequired.has(name) && !newRequired.has(name) && !hasDefault(oldProp)) {
      report(reasons, at, "required_removed", `${name} was required and the older version has no default for it`);
    }
    if (newProp !== undefined) continue;
    if (d.lossless) report(reasons, at, "property_removed", `${name} is no longer declared`);
    if (d.forward) {
      // Values written under the newer version may hold this name as an undeclared property.
      if (newOpen.kind === "open")
        report(reasons, at, "property_removed_from_open_object", `newer values may hold ${name} undeclared, of any shape`);
      else if (newOpen.kind === "schema") compare(oldProp, newOpen.schema, at, FORWARD_ONLY, reasons);
    }
  }
}

function describeTypes(types: string[] | undefined): string {
  return types === undefined ? "any type" : types.join("|");
}

function show(value: Json | undefined): string {
  return value === undefined ? "(absent)" : JSON.stringify(value);
}
