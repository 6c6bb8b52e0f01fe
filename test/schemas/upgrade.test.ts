/**
 * Rewriting a collection's rows under one schema version: batches at new region
 * versions, rows already there skipped, and a write landing between a batch's read and
 * its commit kept (the batch is read again), never overwritten.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { upgradeBatch, upgradeCollection } from "../../src/core/schema-upgrade.js";
import { internalsOf } from "../../src/core/store-internals.js";
import type { WriteCommand } from "../../src/model/write-command.js";
import { openStore } from "../../src/open-store.js";
import { SchemaProjectionError, UnknownSchemaVersionError } from "../../src/protocol/errors.js";
import type { JsonSchema } from "../../src/protocol/schemas.js";

const V1: JsonSchema = { type: "object", properties: { image: { type: "string" } }, required: ["image"], additionalProperties: false };
const V2: JsonSchema = { ...V1, properties: { image: { type: "string" }, replicas: { type: "integer", default: 1 } } };

async function typedStore() {
  const store = await openStore({ path: ":memory:", maintenanceIntervalMs: 0 });
  await store.registerSchema("deployments", V1);
  for (const region of ["eu", "us"]) {
    for (let i = 0; i < 5; i++) await store.put(region, "deployments", `d${i}`, { image: `${region}-${i}` });
  }
  await store.put("eu", "gateways", "edge", { port: 443 });
  await store.registerSchema("deployments", V2);
  return store;
}

describe("schema upgrade", () => {
  it("rewrites every live row under the version, in batches at new versions, and skips them when run again", async () => {
    const store = await typedStore();
    try {
      await store.put("eu", "deployments", "d4", { image: "eu-4", replicas: 3 });
      await store.delete("us", "deployments", "d0");
      const before = await store.getVersion("eu");
      const batches: number[] = [];
      const result = await upgradeCollection(internalsOf(store), "deployments", 2, { limit: 2, onBatch: (b) => batches.push(b.rewritten) });
      assert.deepEqual(result, { collection: "deployments", to: 2, regions: 2, batches: 5, rewritten: 8 });
      assert.deepEqual(batches, [2, 2, 0, 2, 2]);
      assert.equal((await store.getVersion("eu")).version, before.version + 2, "one version per batch that rewrote rows");
      for (const region of ["eu", "us"]) {
        for (const row of (await store.list(region, "deployments")).rows) {
          assert.equal(row.schema, 2);
          assert.deepEqual(row.value, { image: `${region}-${row.key.slice(1)}`, replicas: row.key === "d4" && region === "eu" ? 3 : 1 });
        }
      }
      assert.deepEqual((await store.list("eu", "gateways")).rows, [{ key: "edge", version: 6, value: { port: 443 } }]);
      // Old readers see the values they saw before: under full, v1 → v2 → v1 is the identity.
      assert.deepEqual((await store.get("eu", "deployments", "d1", { schemas: { deployments: 1 } })).value, { image: "eu-1" });
      const again = await upgradeCollection(internalsOf(store), "deployments", 2);
      assert.equal(again.rewritten, 0);
      assert.equal((await store.getVersion("eu")).version, before.version + 2, "nothing left to rewrite takes no version");
    } finally {
      await store.close();
    }
  });

  it("keeps a write that lands between a batch's read and its commit", async () => {
    const store = await typedStore();
    try {
      const internals = internalsOf(store);
      const execute = internals.execute.bind(internals);
      let raced = false;
      internals.execute = async (command: WriteCommand) => {
        if (
          !raced &&
          command.kind === "txn" &&
          command.ops.some((op) => op.op === "put" && op.schemaVersion === 2 && op.expect !== undefined)
        ) {
          raced = true;
          await store.put("eu", "deployments", "d1", { image: "written-meanwhile", replicas: 7 });
        }
        return execute(command);
      };
      const batch = await upgradeBatch(internalsOf(store), { collection: "deployments", to: 2, region: "eu", after: null, limit: 10 });
      assert.ok(raced);
      assert.equal(batch.rewritten, 4, "the row written meanwhile is already at version 2");
      assert.deepEqual(await store.get("eu", "deployments", "d1"), {
        key: "d1",
        version: 7,
        schema: 2,
        value: { image: "written-meanwhile", replicas: 7 },
      });
    } finally {
      await store.close();
    }
  });

  it("refuses an unknown version and stops at a value the version cannot hold", async () => {
    const store = await typedStore();
    try {
      await assert.rejects(upgradeCollection(internalsOf(store), "deployments", 3), UnknownSchemaVersionError);
      await store.registerSchema("loose", { type: "object" }, "none");
      await store.put("eu", "loose", "a", { n: "x" });
      await store.registerSchema("loose", { type: "object", properties: { n: { type: "integer" } } }, "none");
      const head = (await store.getVersion("eu")).version;
      await assert.rejects(upgradeCollection(internalsOf(store), "loose", 2), SchemaProjectionError);
      assert.equal((await store.getVersion("eu")).version, head);
    } finally {
      await store.close();
    }
  });
});
