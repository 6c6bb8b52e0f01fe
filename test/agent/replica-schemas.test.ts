/**
 * Agents at different schema versions of the same region, on SQLite and on PostgreSQL:
 * each holds every value valid under its own version (the server's values projected to
 * it), while writes continue; an agent restarted at another version rebuilds its replica.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, it } from "node:test";
import { openReplica, Replica } from "../../src/agent/replica.js";
import { SchemaValidator } from "../../src/core/schema-validator.js";
import type { VersoStore } from "../../src/core/store.js";
import { type OpenStoreOptions, openStore } from "../../src/open-store.js";
import type { JsonSchema } from "../../src/protocol/schemas.js";
import type { Json } from "../../src/protocol/types.js";
import { startServer } from "../../src/server/serve.js";
import { dropSchema, PG_URL, randomSchema, SKIP_POSTGRES } from "../postgres/pg-env.js";
import { tempDir } from "./helpers.js";

const V1: JsonSchema = {
  type: "object",
  properties: { image: { type: "string" }, replicas: { type: "integer", minimum: 0, default: 1 } },
  required: ["image"],
  additionalProperties: false,
};
const V2: JsonSchema = {
  ...V1,
  properties: {
    ...(V1.properties as object),
    tier: { enum: ["web", "batch"], default: "web" },
    ports: { type: "array", items: { type: "integer" } },
  },
};
const SCHEMAS = [V1, V2];

const BACKENDS = [
  { name: "sqlite", skip: false as string | false, store: (dir: string): OpenStoreOptions => ({ path: join(dir, "server.db") }) },
  {
    name: "postgres",
    skip: SKIP_POSTGRES,
    store: (): OpenStoreOptions => ({ postgres: { connectionString: PG_URL, schema: randomSchema("verso_agent_typed"), poolSize: 4 } }),
  },
];

const validator = new SchemaValidator();

async function write(store: VersoStore, i: number): Promise<number> {
  const key = `d${i % 7}`;
  if (i % 9 === 8) return (await store.delete("eu", "deployments", key).catch(() => store.nextVersion("eu"))).version;
  const value = i % 2 === 0 ? { image: `app:${i}`, tier: "batch", ports: [80 + i] } : { image: `app:${i}`, replicas: i };
  const { version } = await store.transact("eu", [
    { op: "put", collection: "deployments", key, value },
    { op: "put", collection: "gateways", key: `g${i % 3}`, value: { port: 8000 + i } },
  ]);
  return version;
}

/** Every row of the replica is valid under its version and equals the server's value shown at that version. */
async function assertHeldAt(replica: Replica, store: VersoStore, version: number): Promise<void> {
  const expected = await store.list("eu", "deployments", { schemas: { deployments: version } });
  const held = replica.list("deployments");
  assert.deepEqual(
    held.map((r) => [r.key, r.version, r.value]),
    expected.rows.map((r) => [r.key, r.version, r.value]),
  );
  for (const row of held) {
    assert.deepEqual(
      validator.violations("deployments", version, SCHEMAS[version - 1]!, row.value as Json),
      [],
      `${row.key} at v${version}`,
    );
  }
  assert.deepEqual(replica.list("gateways"), (await store.list("eu", "gateways")).rows);
}

for (const backend of BACKENDS) {
  describe(`agents at different schema versions (${backend.name})`, { skip: backend.skip }, () => {
    it("each agent holds values valid under its own version, and a restart at another version rebuilds", async (t) => {
      const dir = tempDir(t);
      const options = backend.store(dir);
      const store = await openStore({ ...options, maintenanceIntervalMs: 0 });
      t.after(async () => {
        await store.close();
        if (typeof options.postgres === "object") await dropSchema(options.postgres.schema ?? "");
      });
      const server = await startServer({ store, port: 0, log: () => {} });
      t.after(() => server.stop());

      await store.registerSchema("deployments", V1);
      for (let i = 1; i < 10; i += 2) await write(store, i);
      await store.registerSchema("deployments", V2);
      for (let i = 10; i < 20; i++) await write(store, i);

      const open = (name: string, version: number) =>
        openReplica({ server: server.url, region: "eu", path: join(dir, name), schemas: { deployments: version }, backoffMs: 20 });
      const old = open("v1.replica", 1);
      const current = open("v2.replica", 2);
      t.after(() => Promise.all([old.stop(), current.stop()]));
      let head = 0;
      for (let i = 20; i < 40; i++) head = await write(store, i);
      await Promise.all([old.waitFor(head), current.waitFor(head)]);
      await assertHeldAt(old, store, 1);
      await assertHeldAt(current, store, 2);
      assert.ok(
        current.list("deployments").some((r) => (r.value as { tier?: string }).tier === "batch"),
        "v2 shows fields v1 does not have",
      );

      // The v1 agent is upgraded: the same file opened at version 2 is rebuilt by a reset.
      await old.stop();
      const upgraded = new Replica({
        server: server.url,
        region: "eu",
        path: join(dir, "v1.replica"),
        schemas: { deployments: 2 },
        backoffMs: 20,
      });
      const reset = new Promise((resolve) => upgraded.once("reset", resolve));
      upgraded.start();
      t.after(() => upgraded.stop());
      await reset;
      await upgraded.waitFor(head);
      await assertHeldAt(upgraded, store, 2);
    });
  });
}
