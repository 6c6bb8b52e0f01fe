/**
 * Schema versions on a backend: registration through the registry (numbering, identical
 * schemas, refusals that store nothing, racing registrations), persistence, and the
 * registry's checks of written values and reader versions.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { SchemaRegistry } from "../../src/core/schema-registry.js";
import type { WriteOp } from "../../src/model/write-command.js";
import {
  BadRequestError,
  NotFoundError,
  SchemaIncompatibleError,
  SchemaProjectionError,
  SchemaViolationError,
  UnknownSchemaVersionError,
} from "../../src/protocol/errors.js";
import type { JsonSchema } from "../../src/protocol/schemas.js";
import { type OpenBackend, withHarness } from "./fixture.js";

const V1: JsonSchema = {
  type: "object",
  properties: { image: { type: "string" }, replicas: { type: "integer", minimum: 0 } },
  required: ["image"],
  additionalProperties: false,
};
const V2: JsonSchema = { ...V1, properties: { ...(V1.properties as object), tier: { enum: ["web", "batch"], default: "web" } } };
const BROKEN: JsonSchema = { ...V1, properties: { image: { type: "integer" }, replicas: { type: "integer", minimum: 0 } } };

function put(collection: string, key: string, value: unknown): WriteOp {
  return { op: "put", collection, key, valueJson: JSON.stringify(value) };
}

export function describeSchemas(open: OpenBackend): void {
  describe("schema versions", () => {
    it("numbers versions from 1; an identical schema registers nothing", () =>
      withHarness(open, async (h) => {
        const registry = new SchemaRegistry(h.storage.schemas());
        assert.deepEqual(await registry.register("deployments", { schema: V1 }), { collection: "deployments", version: 1 });
        assert.deepEqual(await registry.register("deployments", { schema: structuredClone(V1) }), {
          collection: "deployments",
          version: 1,
        });
        assert.deepEqual(await registry.register("deployments", { schema: V2 }), { collection: "deployments", version: 2 });
        assert.deepEqual(await registry.register("gateways", { schema: { type: "object" }, compatibility: "none" }), {
          collection: "gateways",
          version: 1,
        });
        assert.deepEqual(await registry.describe("deployments"), {
          collection: "deployments",
          compatibility: "full",
          versions: [
            { version: 1, schema: V1 },
            { version: 2, schema: V2 },
          ],
        });
        assert.deepEqual(await registry.list(), [
          { collection: "deployments", compatibility: "full", latest: 2 },
          { collection: "gateways", compatibility: "none", latest: 1 },
        ]);
        await assert.rejects(registry.describe("policies"), NotFoundError);
      }));

    it("refuses an incompatible version with its reasons, and stores nothing", () =>
      withHarness(open, async (h) => {
        const registry = new SchemaRegistry(h.storage.schemas());
        await registry.register("deployments", { schema: V1 });
        await assert.rejects(registry.register("deployments", { schema: BROKEN }), (error: unknown) => {
          assert.ok(error instanceof SchemaIncompatibleError);
          assert.equal(error.status, 409);
          assert.deepEqual(
            (error.extra.reasons as { path: string; rule: string }[]).map((r) => [r.path, r.rule]),
            [["/properties/image/type", "type_changed"]],
          );
          return true;
        });
        await assert.rejects(registry.register("deployments", { schema: { type: "object", anyOf: [] } }), BadRequestError);
        await assert.rejects(registry.register("deployments", { schema: { type: "whole" } }), BadRequestError);
        await assert.rejects(registry.register("deployments", { schema: V2, compatibility: "sideways" }), BadRequestError);
        await assert.rejects(registry.register("deployments", { schema: V2, extra: 1 }), BadRequestError);
        assert.equal((await h.storage.schemas().versions("deployments")).length, 1);
        const check = await registry.check("deployments", { schema: BROKEN, compatibility: "backward" });
        assert.deepEqual([check.version, check.unchanged, check.reasons.length], [2, false, 1]);
        assert.deepEqual(await registry.register("deployments", { schema: BROKEN, compatibility: "none" }), {
          collection: "deployments",
          version: 2,
        });
        assert.equal((await registry.describe("deployments")).compatibility, "none");
      }));

    it("keeps versions across a reopen", () =>
      withHarness(open, async (h) => {
        if (!h.persistent) return;
        await new SchemaRegistry(h.storage.schemas()).register("deployments", { schema: V1, compatibility: "backward" });
        const storage = await h.reopen();
        assert.deepEqual(await new SchemaRegistry(storage.schemas()).describe("deployments"), {
          collection: "deployments",
          compatibility: "backward",
          versions: [{ version: 1, schema: V1 }],
        });
      }));

    it("two registries racing for the next version: the later one is checked against the earlier", () =>
      withHarness(open, async (h) => {
        const a = new SchemaRegistry(h.storage.schemas());
        const b = new SchemaRegistry(h.storage.schemas());
        const extra = (name: string): JsonSchema => ({ ...V1, properties: { ...(V1.properties as object), [name]: { type: "string" } } });
        await a.register("backward", { schema: V1, compatibility: "backward" });
        const both = await Promise.all([a.register("backward", { schema: extra("x") }), b.register("backward", { schema: extra("y") })]);
        assert.deepEqual(both.map((r) => r.version).sort(), [2, 3]);
        // Under full a version never drops a property: whichever came second lacks the other's.
        await a.register("full", { schema: V1 });
        const settled = await Promise.allSettled([a.register("full", { schema: extra("x") }), b.register("full", { schema: extra("y") })]);
        const refused = settled.filter((r) => r.status === "rejected");
        assert.equal(refused.length, 1, JSON.stringify(settled));
        const error = (refused[0] as PromiseRejectedResult).reason;
        assert.ok(error instanceof SchemaIncompatibleError);
        assert.deepEqual(
          (error.extra.reasons as { rule: string }[]).map((r) => r.rule),
          ["property_removed"],
        );
        assert.deepEqual(
          (await a.describe("full")).versions.map((v) => v.version),
          [1, 2],
        );
      }));

    it("checks written values against the latest version and records it", () =>
      withHarness(open, async (h) => {
        const registry = new SchemaRegistry(h.storage.schemas());
        await registry.register("deployments", { schema: V1 });
        await registry.register("deployments", { schema: V2 });
        const ops = [put("deployments", "web", { image: "web:1", tier: "web" }), put("gateways", "edge", { port: 443 })];
        await registry.stamp(ops, (i) => `/ops/${i}/value`);
        assert.deepEqual(
          ops.map((op) => (op.op === "put" ? op.schemaVersion : undefined)),
          [2, undefined],
        );
        const bad = [put("gateways", "edge", {}), put("deployments", "web", { image: 3, replicas: -1, extra: true })];
        await assert.rejects(
          registry.stamp(bad, (i) => `/ops/${i}/value`),
          (error: unknown) => {
            assert.ok(error instanceof SchemaViolationError);
            assert.deepEqual((error.extra.errors as { path: string }[]).map((e) => e.path).sort(), [
              "/ops/1/value/extra",
              "/ops/1/value/image",
              "/ops/1/value/replicas",
            ]);
            return true;
          },
        );
      }));

    it("knows the versions readers ask for, also ones another node registered, and projects to them", () =>
      withHarness(open, async (h) => {
        const reader = new SchemaRegistry(h.storage.schemas(), { cacheMs: 60_000 });
        const writer = new SchemaRegistry(h.storage.schemas());
        await writer.register("deployments", { schema: V1 });
        await reader.resolve({ deployments: 1 });
        await writer.register("deployments", { schema: V2 });
        await reader.resolve({ deployments: 2 });
        await assert.rejects(reader.resolve({ deployments: 3 }), UnknownSchemaVersionError);
        await assert.rejects(reader.resolve({ policies: 1 }), UnknownSchemaVersionError);
        const row = { collection: "deployments", key: "web", version: 7 };
        assert.equal(reader.projectJson({ ...row, schemaVersion: 1, valueJson: '{"image":"w"}' }, 2), '{"image":"w","tier":"web"}');
        assert.equal(reader.projectJson({ ...row, schemaVersion: 2, valueJson: '{"image":"w","tier":"batch"}' }, 1), '{"image":"w"}');
        assert.equal(reader.projectJson({ ...row, schemaVersion: 2, valueJson: '{"tier":"batch"}' }, 2), '{"tier":"batch"}');
        assert.throws(
          () => reader.projectJson({ ...row, valueJson: '{"image":5}' }, 1),
          (error: unknown) => error instanceof SchemaProjectionError && error.status === 409 && error.extra.key === "web",
        );
      }));
  });
}
