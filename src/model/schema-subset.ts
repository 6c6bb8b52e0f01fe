/**
 * The part of JSON Schema verso reasons about. Compatibility and projection are
 * decided structurally, so a keyword whose effect on another version's values verso
 * cannot work out (combinators, references, conditionals, counts that projection
 * changes) would make a "compatible" verdict unsound: schemas using one are refused
 * unless the collection checks nothing (`none`).
 */
import type { JsonSchema } from "../protocol/schemas.js";
import type { Json } from "../protocol/types.js";
import { isObject, pointer } from "./schema-nodes.js";

/** Keywords that shape values and that compatibility and projection follow. */
export const STRUCTURAL_KEYWORDS = ["type", "properties", "required", "additionalProperties", "items", "enum", "default"] as const;

/**
 * Keywords that restrict values without shaping them. Verso compares them for equality
 * only: a value valid under one version stays valid under another only if they agree.
 */
export const CONSTRAINT_KEYWORDS = [
  "minimum",
  "maximum",
  "exclusiveMinimum",
  "exclusiveMaximum",
  "multipleOf",
  "minLength",
  "maxLength",
  "pattern",
  "minItems",
  "maxItems",
] as const;

/** Keywords that do not restrict values (`format` is not asserted by verso's validator). */
export const ANNOTATION_KEYWORDS = [
  "$schema",
  "$id",
  "$comment",
  "title",
  "description",
  "examples",
  "deprecated",
  "readOnly",
  "writeOnly",
  "format",
  "contentMediaType",
  "contentEncoding",
] as const;

const KNOWN = new Set<string>([...STRUCTURAL_KEYWORDS, ...CONSTRAINT_KEYWORDS, ...ANNOTATION_KEYWORDS]);

export interface SubsetProblem {
  /** JSON pointer to the offending keyword in the schema. */
  path: string;
  message: string;
}

/** Every place a schema leaves verso's subset; empty when verso can reason about all of it. */
export function subsetProblems(schema: JsonSchema): SubsetProblem[] {
  const problems: SubsetProblem[] = [];
  visit(schema, "", problems);
  return problems;
}

function visit(node: Json, path: string, problems: SubsetProblem[]): void {
  if (!isObject(node)) {
    problems.push({ path, message: "a subschema must be an object" });
    return;
  }
  for (const keyword of Object.keys(node)) {
    if (!KNOWN.has(keyword)) {
      problems.push({ path: pointer(path, keyword), message: `keyword ${keyword} is outside what verso checks compatibility for` });
    }
  }
  const properties = node.properties;
  if (properties !== undefined) {
    if (!isObject(properties)) problems.push({ path: pointer(path, "properties"), message: "properties must be an object" });
    else for (const [name, sub] of Object.entries(properties)) visit(sub, pointer(path, "properties", name), problems);
  }
  const required = node.required;
  if (Array.isArray(required)) {
    for (const name of required) {
      if (typeof name === "string" && !(isObject(properties) && Object.hasOwn(properties, name))) {
        problems.push({ path: pointer(path, "required"), message: `required names ${name}, which properties does not declare` });
      }
    }
  }
  const additional = node.additionalProperties;
  if (additional !== undefined && typeof additional !== "boolean") visit(additional, pointer(path, "additionalProperties"), problems);
  if (node.items !== undefined) visit(node.items, pointer(path, "items"), problems);
}
