/**
 * Typed collections through HTTP, on SQLite and on PostgreSQL: registration and its
 * refusals, writes checked against the latest version (a refused one moves nothing),
 * the schema version rows carry, and readers asking for the version they understand.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { OpenStoreOptions } from "../../src/open-store.js";
import type { JsonSchema } from "../../src/protocol/schemas.js";
import { dropSchema, PG_URL, randomSchema, SKIP_POSTGRES } from "../postgres/pg-env.js";
import { assertError, assertUnchanged, call, type Harness, harness, regionOf, regionUrl, rowsUrl, rowUrl } from "./helpers.js";

const V1: JsonSchema = {
  type: "object",
  properties: { image: { type: "string" }, replicas: { type: "integer", minimum: 0 } },
  required: ["image"],
  additionalProperties: false,
};
const V2: JsonSchema = { ...V1, properties: { ...(V1.properties as object), tier: { enum: ["web", "batch"], default: "web" } } };

const BACKENDS: Array<{ name: string; skip: string | false; options: () => { store: OpenStoreOptions; cleanup: () => Promise<void> } }> = [
  { name: "sqlite", skip: false, options: () => ({ store: { path: ":memory:" }, cleanup: async () => {} }) },
  {
    name: "postgres",
    skip: SKIP_POSTGRES,
    options: () => {
      const schema = randomSchema("verso_typed");
      return { store: { postgres: { connectionString: PG_URL, schema, poolSize: 4 } }, cleanup: () => dropSchema(schema) };
    },
  },
];

for (const backend of BACKENDS) {
  describe(`typed collections over HTTP (${backend.name})`, { skip: backend.skip }, () => {
    let h: Harness;
    let cleanup: () => Promise<void>;
    before(async () => {
      const { store, cleanup: drop } = backend.options();
      cleanup = drop;
      h = await harness({ store });
    });
    after(async () => {
      await h.close();
      await cleanup();
    });

    it("registers versions from 1; the same schema again registers nothing", async () => {
      const first = await call(h.app, "PUT", "/v1/schemas/deployments", { body: { schema: V1 } });
      assert.equal(first.status, 200, first.text);
      assert.deepEqual(first.body, { collection: "deployments", version: 1 });
      assert.deepEqual((await call(h.app, "PUT", "/v1/schemas/deployments", { body: { schema: V1 } })).body, {
        collection: "deployments",
        version: 1,
      });
      const got = await call(h.app, "GET", "/v1/schemas/deployments");
      assert.deepEqual(got.body, { collection: "deployments", compatibility: "full", versions: [{ version: 1, schema: V1 }] });
      assert.deepEqual((await call(h.app, "GET", "/v1/schemas")).body, {
        schemas: [{ collection: "deployments", compatibility: "full", latest: 1 }],
      });
      assertError(await call(h.app, "GET", "/v1/schemas/policies"), 404, "not_found");
    });

    it("refuses an incompatible version with 409 and each broken rule", async () => {
      const broken = { ...V1, properties: { image: { type: "integer" } } };
      const res = await call(h.app, "PUT", "/v1/schemas/deployments", { body: { schema: broken } });
      assertError(res, 409, "schema_incompatible", { reasons: (res.body as { reasons: unknown }).reasons });
      const rules = (res.body as { reasons: { path: string; rule: string; message: string }[] }).reasons.map((r) => [r.path, r.rule]);
      assert.deepEqual(rules, [
        ["/properties/image/type", "type_changed"],
        ["/properties/replicas", "property_removed"],
      ]);
      assertError(await call(h.app, "PUT", "/v1/schemas/deployments", { body: { schema: { type: 7 } } }), 400, "bad_request");
      assertError(await call(h.app, "PUT", "/v1/schemas/deployments", { body: { schema: { oneOf: [] } } }), 400, "bad_request");
      assertError(await call(h.app, "PUT", "/v1/schemas/bad%20name", { body: { schema: V1 } }), 400, "bad_request");
      const check = await call<{ compatible: boolean; version: number }>(h.app, "POST", "/v1/schemas/deployments/check", {
        body: { schema: broken },
      });
      assert.equal(check.status, 200);
      assert.deepEqual([check.body.compatible, check.body.version], [false, 2]);
      assert.equal((await call<{ latest: number }[]>(h.app, "GET", "/v1/schemas/deployments")).text.includes('"version":2'), false);
    });

    it("refuses a value that breaks the latest version with 400 and its pointers; the region does not move", async () => {
      await assertUnchanged(h.app, async () => {
        const res = await call(h.app, "PUT", rowUrl("r1", "deployments", "web"), { body: { image: 1, replicas: -2, extra: true } });
        const errors = (res.body as { errors: { path: string; message: string }[] }).errors;
        assertError(res, 400, "schema_violation", { errors });
        assert.deepEqual(errors.map((e) => e.path).sort(), ["/extra", "/image", "/replicas"]);
        const txn = await call(h.app, "POST", `${regionUrl("r1")}/transactions`, {
          body: {
            ops: [
              { op: "put", collection: "gateways", key: "g", value: { anything: true } },
              { op: "put", collection: "deployments", key: "web", value: { replicas: 1 } },
            ],
          },
        });
        assertError(txn, 400, "schema_violation", { errors: (txn.body as { errors: unknown }).errors });
        assert.deepEqual(
          (txn.body as { errors: { path: string }[] }).errors.map((e) => e.path),
          ["/ops/1/value/image"],
        );
      });
      assert.equal((await regionOf(h.app, "r1")).version, 0);
    });

    it("rows of a typed collection carry the version they were written under; schemaless ones do not", async () => {
      const put = await call(h.app, "PUT", rowUrl("r1", "deployments", "web"), { body: { image: "web:1", replicas: 2 } });
      assert.equal(put.status, 200, put.text);
      await call(h.app, "PUT", rowUrl("r1", "gateways", "edge"), { body: { port: 443 } });
      assert.deepEqual((await call(h.app, "GET", rowUrl("r1", "deployments", "web"))).body, {
        key: "web",
        version: 1,
        schema: 1,
        value: { image: "web:1", replicas: 2 },
      });
      assert.deepEqual((await call(h.app, "GET", rowUrl("r1", "gateways", "edge"))).body, {
        key: "edge",
        version: 2,
        value: { port: 443 },
      });
      assert.deepEqual((await call(h.app, "GET", rowsUrl("r1", "deployments"))).body, {
        rows: [{ key: "web", version: 1, schema: 1, value: { image: "web:1", replicas: 2 } }],
        next: null,
      });
      const page = await call<{ ops: unknown[] }>(h.app, "GET", `${regionUrl("r1")}/changes?since=0`);
      assert.deepEqual(page.body.ops, [
        { op: "put", collection: "deployments", key: "web", version: 1, schema: 1, value: { image: "web:1", replicas: 2 } },
        { op: "put", collection: "gateways", key: "edge", version: 2, value: { port: 443 } },
      ]);
    });

    it("an Idempotency-Key retried after a new version was registered replays its first answer", async () => {
      const send = () =>
        call(h.app, "PUT", rowUrl("r2", "deployments", "api"), { body: { image: "api:1" }, headers: { "idempotency-key": "k-typed-1" } });
      const first = await send();
      assert.equal(first.status, 200, first.text);
      assert.deepEqual((await call(h.app, "PUT", "/v1/schemas/deployments", { body: { schema: V2 } })).body, {
        collection: "deployments",
        version: 2,
      });
      const again = await send();
      assert.equal(again.status, 200, again.text);
      assert.equal(again.headers["idempotency-replayed"], "true");
      assert.deepEqual(again.body, first.body);
      assert.equal((await call<{ schema: number }>(h.app, "GET", rowUrl("r2", "deployments", "api"))).body.schema, 1);
    });

    it("a reader gets every value at the version it asks for", async () => {
      const written = await call(h.app, "PUT", rowUrl("r1", "deployments", "batch"), { body: { image: "b:1", tier: "batch" } });
      assert.equal(written.status, 200, written.text);
      const at = (version: number) => ({ headers: { "verso-schema": `deployments=${version}` } });
      // written under 1, shown at 2: the default of 2 is filled in
      assert.deepEqual((await call(h.app, "GET", rowUrl("r1", "deployments", "web"), at(2))).body, {
        key: "web",
        version: 1,
        schema: 2,
        value: { image: "web:1", replicas: 2, tier: "web" },
      });
      // written under 2, shown at 1: the field added later is dropped
      assert.deepEqual((await call(h.app, "GET", rowUrl("r1", "deployments", "batch"), at(1))).body, {
        key: "batch",
        version: 3,
        schema: 1,
        value: { image: "b:1" },
      });
      const list = await call<{ rows: { key: string; schema: number; value: unknown }[] }>(
        h.app,
        "GET",
        rowsUrl("r1", "deployments"),
        at(1),
      );
      assert.deepEqual(
        list.body.rows.map((r) => [r.key, r.schema, r.value]),
        [
          ["batch", 1, { image: "b:1" }],
          ["web", 1, { image: "web:1", replicas: 2 }],
        ],
      );
      const page = await call<{ ops: { op: string; collection?: string; schema?: number; value?: unknown }[] }>(
        h.app,
        "GET",
        `${regionUrl("r1")}/changes?schema=deployments@1`,
      );
      assert.deepEqual(
        page.body.ops.map((op) => [op.op, op.collection, op.schema, op.value]),
        [
          ["clear", undefined, undefined, undefined],
          ["put", "deployments", 1, { image: "web:1", replicas: 2 }],
          ["put", "gateways", undefined, { port: 443 }],
          ["put", "deployments", 1, { image: "b:1" }],
        ],
      );
    });

    it("upgrades stored rows batch by batch, or all at once", async () => {
      const step = await call<{ rewritten: number; next: string | null }>(h.app, "POST", "/v1/schemas/deployments/upgrade", {
        body: { to: 2, region: "r1", limit: 1 },
      });
      assert.equal(step.status, 200, step.text);
      assert.deepEqual(step.body, { collection: "deployments", region: "r1", to: 2, rewritten: 0, next: "batch" });
      const next = await call(h.app, "POST", "/v1/schemas/deployments/upgrade", {
        body: { to: 2, region: "r1", after: "batch", limit: 1 },
      });
      assert.deepEqual(next.body, { collection: "deployments", region: "r1", to: 2, rewritten: 1, next: null });
      const all = await call(h.app, "POST", "/v1/schemas/deployments/upgrade", { body: { to: 2 } });
      assert.deepEqual(all.body, { collection: "deployments", to: 2, regions: 2, batches: 2, rewritten: 1 });
      const rows = await call<{ rows: { schema: number }[] }>(h.app, "GET", rowsUrl("r2", "deployments"));
      assert.deepEqual(rows.body.rows, [{ key: "api", version: 2, schema: 2, value: { image: "api:1", tier: "web" } }]);
      assertError(await call(h.app, "POST", "/v1/schemas/deployments/upgrade", { body: { to: 0 } }), 400, "bad_request");
      assertError(await call(h.app, "POST", "/v1/schemas/deployments/upgrade", { body: { to: 5 } }), 400, "unknown_schema_version", {
        collection: "deployments",
        version: 5,
      });
    });

    it("refuses an unknown version, a malformed selection, and a value its version cannot show", async () => {
      const unknown = await call(h.app, "GET", rowUrl("r1", "deployments", "web"), { headers: { "verso-schema": "deployments=9" } });
      assertError(unknown, 400, "unknown_schema_version", { collection: "deployments", version: 9 });
      assertError(await call(h.app, "GET", `${regionUrl("r1")}/changes?schema=gateways@1`), 400, "unknown_schema_version", {
        collection: "gateways",
        version: 1,
      });
      assertError(
        await call(h.app, "GET", rowsUrl("r1", "deployments"), { headers: { "verso-schema": "deployments" } }),
        400,
        "bad_request",
      );
      // A collection that checks nothing can register a version its old rows do not fit.
      assert.equal((await call(h.app, "PUT", rowUrl("r1", "loose", "x"), { body: { n: "seven" } })).status, 200);
      const loose = { type: "object", properties: { n: { type: "integer" } } };
      assert.equal((await call(h.app, "PUT", "/v1/schemas/loose", { body: { schema: loose, compatibility: "none" } })).status, 200);
      const res = await call(h.app, "GET", rowUrl("r1", "loose", "x"), { headers: { "verso-schema": "loose=1" } });
      const extra = res.body as { errors: unknown; version: number };
      assertError(res, 409, "schema_projection_failed", {
        collection: "loose",
        key: "x",
        version: extra.version,
        schema: null,
        to: 1,
        errors: extra.errors,
      });
      const page = await call(h.app, "GET", `${regionUrl("r1")}/changes?since=0&schema=loose@1`);
      assert.equal(page.status, 409);
    });
  });
}
