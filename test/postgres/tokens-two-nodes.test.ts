/** Scoped tokens with two API nodes on one PostgreSQL schema: created on one, honoured and revoked on the other. */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type ApiNode, startNodes, stopNodes } from "../../src/checker/nodes.js";
import { VersoClient } from "../../src/client/http-client.js";
import { ForbiddenError, UnauthorizedError } from "../../src/protocol/errors.js";
import { ADMIN_TOKEN } from "../auth/helpers.js";
import { dropSchema, PG_URL, randomSchema, SKIP_POSTGRES } from "./pg-env.js";

/** Small, so a revocation made elsewhere reaches node B quickly. */
const CACHE_MS = 300;

describe("scoped tokens on two API nodes sharing PostgreSQL", { skip: SKIP_POSTGRES }, () => {
  const schema = randomSchema();
  let nodes: ApiNode[] = [];
  const client = (node: number, token: string) => new VersoClient({ server: nodes[node]!.url, token, retries: 0 });

  before(async () => {
    nodes = await startNodes(
      { kind: "postgres", url: PG_URL, schema, poolSize: 4 },
      2,
      {},
      { adminToken: ADMIN_TOKEN, tokenCacheMs: CACHE_MS },
    );
  });
  after(async () => {
    await stopNodes(nodes);
    await dropSchema(schema);
  });

  it("a token created on node A works on node B, and its revocation on A is refused by B within the cache time", async () => {
    const adminA = client(0, ADMIN_TOKEN);
    const created = await adminA.createToken({ role: "write", regions: ["edge-1"], name: "agent" });
    assert.deepEqual(
      (await client(1, ADMIN_TOKEN).tokens()).map((t) => t.id),
      [created.id],
      "node B lists the token made on A",
    );

    const onB = client(1, created.token);
    const { version } = await onB.put("edge-1", "c", "k", "v");
    assert.deepEqual(await onB.get("edge-1", "c", "k"), { key: "k", version, value: "v" });
    await assert.rejects(onB.put("edge-2", "c", "k", "v"), ForbiddenError, "out of scope on B too");

    await adminA.revokeToken(created.id);
    const revokedAt = Date.now();
    await assert.rejects(client(0, created.token).getVersion("edge-1"), UnauthorizedError, "node A refuses it at once");
    // Node B may still hold the lookup in its cache; it must refuse the token once that expires.
    const deadline = revokedAt + CACHE_MS + 2_000;
    for (;;) {
      try {
        await onB.getVersion("edge-1");
      } catch (error) {
        assert.ok(error instanceof UnauthorizedError, `refused as unauthorized, got ${String(error)}`);
        break;
      }
      assert.ok(Date.now() < deadline, "node B still accepts the revoked token well after the cache time");
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    assert.notEqual((await client(1, ADMIN_TOKEN).tokens())[0]?.revokedAt ?? null, null, "node B lists it revoked");
  });
});
