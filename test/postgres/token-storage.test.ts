import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import pg from "pg";
import { hashToken, issueToken } from "../../src/core/tokens.js";
import { migrate, PG_MIGRATIONS } from "../../src/storage/postgres/migrations.js";
import { describeTokenStorage } from "../auth/token-storage-suite.js";
import { adminQuery, dropSchema, openPg, PG_URL, randomSchema, SKIP_POSTGRES } from "./pg-env.js";

describeTokenStorage(
  "postgres",
  async () => {
    const schema = randomSchema("verso_tok");
    return {
      storage: await openPg(schema),
      reopen: () => openPg(schema),
      cleanup: () => dropSchema(schema),
    };
  },
  { skip: SKIP_POSTGRES },
);

describe("PostgreSQL token storage upgrade and contents", { skip: SKIP_POSTGRES }, () => {
  const schemas: string[] = [];
  after(() => Promise.all(schemas.map(dropSchema)));

  it("upgrades a schema-1 database in place, keeping its data, and stores no secret", async () => {
    const schema = randomSchema("verso_tok");
    schemas.push(schema);
    const client = new pg.Client({ connectionString: PG_URL });
    await client.connect();
    try {
      await migrate(client, schema, PG_MIGRATIONS.slice(0, 1));
    } finally {
      await client.end();
    }
    await adminQuery(`INSERT INTO "${schema}".regions (name, epoch, version, floor, created_at) VALUES ('r1', 'e1', 7, 0, 0)`);
    const storage = await openPg(schema);
    try {
      assert.deepEqual(await storage.region("r1"), { region: "r1", epoch: "e1", version: 7, floor: 0 });
      const tokens = storage.tokens();
      assert.deepEqual(await tokens.list(), []);
      const { stored, secret } = issueToken({ regions: ["r1"], role: "read", name: null }, 1_000);
      await tokens.create(stored);
      const rows = await adminQuery<Record<string, unknown>>(`SELECT * FROM "${schema}".tokens`);
      assert.equal(rows.length, 1);
      assert.equal(rows[0]?.hash, hashToken(secret));
      assert.ok(!JSON.stringify(rows).includes(secret), "the secret is not in the table");
    } finally {
      await storage.close();
    }
  });
});
