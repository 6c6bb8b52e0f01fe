/**
 * Schema versions of collections: registration (checked for compatibility against every
 * earlier version), validation of written values against the latest version, and
 * projection of stored values to the version a reader asks for.
 *
 * Versions never change once stored, so they are cached. A cached list can only miss
 * versions registered on another node; it is reloaded after `cacheMs`, and at once when
 * a reader names a version the cache does not know. A write checked against a version
 * that has just been superseded is recorded under the version it was checked against.
 */
import { registrationReasons } from "../model/schema-compatibility.js";
import { jsonEqual } from "../model/schema-nodes.js";
import { compileProjection, type Projection } from "../model/schema-projection.js";
import { subsetProblems } from "../model/schema-subset.js";
import type { WriteOp } from "../model/write-command.js";
import {
  BadRequestError,
  NotFoundError,
  SchemaIncompatibleError,
  SchemaProjectionError,
  SchemaViolationError,
  UnknownSchemaVersionError,
} from "../protocol/errors.js";
import {
  type CollectionSchemas,
  type Compatibility,
  type CompatibilityReason,
  DEFAULT_COMPATIBILITY,
  isCompatibility,
  type JsonSchema,
  type RegisteredSchema,
  type SchemaSelection,
  type SchemaSummary,
  type SchemaViolation,
} from "../protocol/schemas.js";
import type { Json } from "../protocol/types.js";
import type { SchemaStorage } from "../storage/schema-storage.js";
import { checkName } from "./commands.js";
import { SchemaValidator } from "./schema-validator.js";

export interface SchemaEntry {
  version: number;
  schema: JsonSchema;
  compatibility: Compatibility;
}

export interface SchemaRegistryOptions {
  /** How long a collection's cached versions are trusted before a reload (default 1 s). */
  cacheMs?: number;
  now?: () => number;
}

/** What a registration would do: the version it gets (or already has) and the rules it breaks. */
export interface RegistrationCheck {
  collection: string;
  /** The version the schema has or would get. */
  version: number;
  /** True when the schema equals the latest version: nothing would be registered. */
  unchanged: boolean;
  compatibility: Compatibility;
  reasons: CompatibilityReason[];
}

interface Projector {
  projection: Projection;
  target: JsonSchema;
  trusted: boolean;
}

const REGISTRATION_FIELDS = new Set(["schema", "compatibility"]);
/** Two registrations racing for one version: the loser checks again against the winner. */
const MAX_REGISTRATION_ATTEMPTS = 10;

export class SchemaRegistry {
  readonly validator = new SchemaValidator();
  private readonly cache = new Map<string, { entries: SchemaEntry[]; loadedAt: number }>();
  /** Versions never change, so how to go from one to another is worked out once. */
  private readonly projectors = new Map<string, Projector>();
  private readonly cacheMs: number;
  private readonly now: () => number;

  constructor(
    private readonly storage: SchemaStorage,
    options: SchemaRegistryOptions = {},
  ) {
    this.cacheMs = options.cacheMs ?? 1000;
    this.now = options.now ?? Date.now;
  }

  /** `PUT /v1/schemas/{collection}`: registers the next version, or returns the latest if identical. */
  async register(collection: string, body: unknown): Promise<RegisteredSchema> {
    for (let attempt = 0; attempt < MAX_REGISTRATION_ATTEMPTS; attempt++) {
      const check = await this.check(collection, body);
      if (check.reasons.length > 0) {
        throw new SchemaIncompatibleError(`schema is not ${check.compatibility}-compatible with the registered versions of ${collection}`, {
          reasons: check.reasons,
        });
      }
      if (check.unchanged) return { collection, version: check.version };
      const { schema } = registration(body);
      const stored = { collection, version: check.version, schemaJson: JSON.stringify(schema), compatibility: check.compatibility };
      if (await this.storage.insert({ ...stored, createdAt: this.now() })) {
        this.cache.delete(collection);
        return { collection, version: check.version };
      }
    }
    throw new SchemaIncompatibleError(`${collection} kept getting new versions while this one was checked; try again`, { reasons: [] });
  }

  /** The dry run of a registration: what it would get and which rules it breaks (never throws for those). */
  async check(collection: string, body: unknown): Promise<RegistrationCheck> {
    checkName("collection", collection);
    const { schema, compatibility } = registration(body);
    const problems = this.validator.schemaProblems(schema);
    if (problems.length > 0) {
      throw new BadRequestError(
        `schema is not valid JSON Schema (draft 2020-12): ${problems.map((p) => `${p.path || "/"} ${p.message}`).join("; ")}`,
      );
    }
    // Registrations are rare and must see every version, also those of other nodes.
    const entries = await this.load(collection, true);
    const latest = entries[entries.length - 1];
    const mode = compatibility ?? latest?.compatibility ?? DEFAULT_COMPATIBILITY;
    if (latest !== undefined && jsonEqual(latest.schema, schema)) {
      return { collection, version: latest.version, unchanged: true, compatibility: mode, reasons: [] };
    }
    if (mode !== "none") {
      const outside = subsetProblems(schema);
      if (outside.length > 0) {
        throw new BadRequestError(
          `${outside.map((p) => `${p.path || "/"}: ${p.message}`).join("; ")} (only compatibility "none" registers such a schema)`,
        );
      }
      const unchecked = entries.find((entry) => subsetProblems(entry.schema).length > 0);
      if (unchecked !== undefined) {
        throw new BadRequestError(
          `version ${unchecked.version} of ${collection} uses keywords verso cannot check compatibility for; register with compatibility "none"`,
        );
      }
    }
    const reasons = registrationReasons(
      entries.map((e) => e.schema),
      schema,
      mode,
    );
    return { collection, version: (latest?.version ?? 0) + 1, unchanged: false, compatibility: mode, reasons };
  }

  /** `GET /v1/schemas/{collection}`; not_found when the collection has no schema. */
  async describe(collection: string): Promise<CollectionSchemas> {
    checkName("collection", collection);
    const entries = await this.load(collection, true);
    const latest = entries[entries.length - 1];
    if (latest === undefined) throw new NotFoundError(`collection ${collection} has no schema`);
    return { collection, compatibility: latest.compatibility, versions: entries.map(({ version, schema }) => ({ version, schema })) };
  }

  /** `GET /v1/schemas`: every collection with a schema, and its latest version. */
  async list(): Promise<SchemaSummary[]> {
    return (await this.storage.latest()).map((s) => ({ collection: s.collection, compatibility: s.compatibility, latest: s.version }));
  }

  /** The collection's versions, oldest first; empty for a schemaless collection. */
  async versions(collection: string): Promise<readonly SchemaEntry[]> {
    return this.load(collection);
  }

  /**
   * Checks the put ops of a write against the latest version of their collections (or
   * the version an op already names: an upgrade rewriting rows) and records that version
   * on each; a value that breaks it refuses the whole write.
   * `pointerOf(index)` is the JSON pointer of op `index`'s value in the request body.
   */
  async stamp(ops: WriteOp[], pointerOf: (index: number) => string): Promise<void> {
    for (const [index, op] of ops.entries()) {
      if (op.op !== "put") continue;
      const entries = await this.load(op.collection);
      const latest = op.schemaVersion === undefined ? entries[entries.length - 1] : entries.find((e) => e.version === op.schemaVersion);
      if (latest === undefined) {
        if (op.schemaVersion === undefined) continue;
        throw new UnknownSchemaVersionError(`collection ${op.collection} has no schema version ${op.schemaVersion}`, {
          collection: op.collection,
          version: op.schemaVersion,
        });
      }
      const errors = this.validator.violations(op.collection, latest.version, latest.schema, JSON.parse(op.valueJson) as Json);
      if (errors.length > 0) {
        const at = pointerOf(index);
        throw new SchemaViolationError(`value of ${op.collection}/${op.key} breaks version ${latest.version} of the collection's schema`, {
          errors: errors.map((e) => ({ path: `${at}${e.path}`, message: e.message })),
        });
      }
      op.schemaVersion = latest.version;
    }
  }

  /** Checks that every version a reader asks for exists (reloading once before saying it does not). */
  async resolve(selection: SchemaSelection): Promise<void> {
    for (const [collection, version] of Object.entries(selection)) {
      checkName("collection", collection);
      if ((await this.load(collection)).some((e) => e.version === version)) continue;
      if ((await this.load(collection, true)).some((e) => e.version === version)) continue;
      throw new UnknownSchemaVersionError(`collection ${collection} has no schema version ${version}`, { collection, version });
    }
  }

  /** Loads the versions rows were written under when the cache does not know them yet (registered elsewhere). */
  async ensure(rows: Iterable<{ collection: string; schemaVersion?: number }>): Promise<void> {
    const missing = new Set<string>();
    for (const row of rows) {
      if (row.schemaVersion === undefined || missing.has(row.collection)) continue;
      const entries = this.cache.get(row.collection)?.entries;
      if (!entries?.some((e) => e.version === row.schemaVersion)) missing.add(row.collection);
    }
    for (const collection of missing) await this.load(collection, true);
  }

  /**
   * A stored value as version `to` of its collection shows it (JSON text in and out).
   * Call `resolve` and `ensure` first: they load the versions this reads synchronously.
   */
  projectJson(
    row: { collection: string; key: string; version: number; schemaVersion?: number | undefined; valueJson: string },
    to: number,
  ): string {
    const from = row.schemaVersion ?? null;
    if (from === to) return row.valueJson;
    const fail = (errors: SchemaViolation[]) =>
      new SchemaProjectionError(
        `row ${row.collection}/${row.key} (version ${row.version}, schema ${from ?? "none"}) cannot be shown at schema version ${to}`,
        { collection: row.collection, key: row.key, version: row.version, schema: from, to, errors },
      );
    const projector = this.projector(row.collection, from, to);
    if (projector === undefined) throw fail([{ path: "", message: "schema version not loaded" }]);
    const projected = projector.projection(JSON.parse(row.valueJson) as Json);
    if (!projector.trusted) {
      const errors = this.validator.violations(row.collection, to, projector.target, projected);
      if (errors.length > 0) throw fail(errors);
    }
    return JSON.stringify(projected);
  }

  /**
   * How values go from version `from` (null: written without a schema) to `to`. The
   * result needs no validation when the later of the two versions was registered under a
   * mode that covers the direction: it was checked against the earlier one, and for
   * checked versions projection always yields a valid value (the property test of
   * schema-projection). Anything else is validated on every read.
   */
  private projector(collection: string, from: number | null, to: number): Projector | undefined {
    const key = `${collection}\u0000${from}\u0000${to}`;
    const known = this.projectors.get(key);
    if (known !== undefined) return known;
    const entries = this.cache.get(collection)?.entries ?? [];
    const target = entries.find((e) => e.version === to);
    const source = from === null ? undefined : entries.find((e) => e.version === from);
    if (target === undefined || (from !== null && source === undefined)) return undefined;
    const later = source === undefined || source.version < target.version ? target : source;
    const covers = source === undefined ? [] : later === target ? ["backward", "full"] : ["forward", "full"];
    const projector = {
      projection: compileProjection(source?.schema ?? {}, target.schema),
      target: target.schema,
      trusted: covers.includes(later.compatibility),
    };
    this.projectors.set(key, projector);
    return projector;
  }

  private async load(collection: string, fresh = false): Promise<SchemaEntry[]> {
    const cached = this.cache.get(collection);
    if (!fresh && cached !== undefined && this.now() - cached.loadedAt < this.cacheMs) return cached.entries;
    const entries = (await this.storage.versions(collection)).map((s) => ({
      version: s.version,
      schema: JSON.parse(s.schemaJson) as JsonSchema,
      compatibility: s.compatibility,
    }));
    this.cache.set(collection, { entries, loadedAt: this.now() });
    return entries;
  }
}

function registration(body: unknown): { schema: JsonSchema; compatibility?: Compatibility } {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new BadRequestError('body must be {"schema": {...}, "compatibility"?: "backward"|"forward"|"full"|"none"}');
  }
  const fields = body as Record<string, unknown>;
  const unknown = Object.keys(fields).find((k) => !REGISTRATION_FIELDS.has(k));
  if (unknown !== undefined) throw new BadRequestError(`unknown field ${JSON.stringify(unknown)} in schema registration`);
  const { schema, compatibility } = fields;
  if (typeof schema !== "object" || schema === null || Array.isArray(schema))
    throw new BadRequestError("schema must be a JSON Schema object");
  if (compatibility !== undefined && !isCompatibility(compatibility)) {
    throw new BadRequestError('compatibility must be "backward", "forward", "full" or "none"');
  }
  return { schema: schema as JsonSchema, ...(compatibility !== undefined && { compatibility }) };
}
