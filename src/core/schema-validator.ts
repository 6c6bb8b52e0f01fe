/**
 * JSON Schema (draft 2020-12) validation with ajv. Each schema version is compiled
 * once and kept: versions never change once registered, so (collection, version)
 * names a compiled validator for the life of the process.
 */
import { Ajv2020, type ErrorObject, type ValidateFunction } from "ajv/dist/2020.js";
import { pointer } from "../model/schema-nodes.js";
import type { JsonSchema, SchemaViolation } from "../protocol/schemas.js";
import type { Json } from "../protocol/types.js";

/** Enough to fix a value; a value with thousands of errors is not helped by all of them. */
const MAX_VIOLATIONS = 50;

export class SchemaValidator {
  // addUsedSchema: false keeps `$id`s out of a shared registry, so two collections may use the same one.
  private readonly ajv = new Ajv2020({ allErrors: true, strict: false, validateFormats: false, addUsedSchema: false });
  private readonly compiled = new Map<string, ValidateFunction>();

  /** What makes `schema` unusable: meta-schema errors, or a `default` its own node refuses. */
  schemaProblems(schema: JsonSchema): SchemaViolation[] {
    if (!this.ajv.validateSchema(schema)) return toViolations(this.ajv.errors ?? []);
    try {
      this.ajv.compile(schema);
    } catch (error) {
      return [{ path: "", message: error instanceof Error ? error.message : String(error) }];
    }
    const problems: SchemaViolation[] = [];
    for (const { path, node } of nodesWithDefaults(schema, "")) {
      const { $id: _id, $schema: _schema, ...rest } = node;
      const check = this.ajv.compile(rest);
      if (!check(node.default)) {
        const why = toViolations(check.errors ?? []).map((v) => `${v.path || "/"} ${v.message}`);
        problems.push({ path: `${path}/default`, message: `the default is not valid under its own schema: ${why.join("; ")}` });
      }
    }
    return problems;
  }

  /** Why `value` is not valid under `schema` (version `version` of `collection`); empty when it is. */
  violations(collection: string, version: number, schema: JsonSchema, value: Json): SchemaViolation[] {
    const key = `${collection}@${version}`;
    let validate = this.compiled.get(key);
    if (validate === undefined) {
      validate = this.ajv.compile(schema);
      this.compiled.set(key, validate);
    }
    return validate(value) ? [] : toViolations(validate.errors ?? []);
  }
}

function toViolations(errors: readonly ErrorObject[]): SchemaViolation[] {
  return errors.slice(0, MAX_VIOLATIONS).map((error) => ({ path: pathOf(error), message: error.message ?? error.keyword }));
}

/** The pointer of the value at fault: a missing or surplus property is named itself, not its parent. */
function pathOf(error: ErrorObject): string {
  const params = error.params as { missingProperty?: string; additionalProperty?: string };
  const name =
    error.keyword === "required"
      ? params.missingProperty
      : error.keyword === "additionalProperties"
        ? params.additionalProperty
        : undefined;
  return name === undefined ? error.instancePath : pointer(error.instancePath, name);
}

function* nodesWithDefaults(node: Json | undefined, path: string): Generator<{ path: string; node: JsonSchema }> {
  if (typeof node !== "object" || node === null || Array.isArray(node)) return;
  if (Object.hasOwn(node, "default")) yield { path, node };
  const properties = node.properties;
  if (typeof properties === "object" && properties !== null && !Array.isArray(properties)) {
    for (const [name, sub] of Object.entries(properties)) {
      yield* nodesWithDefaults(sub, pointer(path, "properties", name));
    }
  }
  yield* nodesWithDefaults(node.additionalProperties, `${path}/additionalProperties`);
  yield* nodesWithDefaults(node.items, `${path}/items`);
}
