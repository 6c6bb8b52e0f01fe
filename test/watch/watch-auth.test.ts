import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { internalsOf } from "../../src/core/store-internals.js";
import type { CreatedToken } from "../../src/protocol/tokens.js";
import { SseReader } from "./sse-reader.js";
import { startTestServer, until, watchUrl } from "./watch-server.js";

const ADMIN = "watch-admin-token-0123456789abcdef";

describe("watch: authentication", () => {
  it("needs a token that may read the region, and ends the stream when the token is revoked", { timeout: 20_000 }, async () => {
    const t = await startTestServer({ adminToken: ADMIN });
    try {
      const created = await fetch(`${t.url}/v1/tokens`, {
        method: "POST",
        headers: { authorization: `Bearer ${ADMIN}`, "content-type": "application/json" },
        body: JSON.stringify({ role: "read", regions: ["eu"] }),
      });
      assert.equal(created.status, 201);
      const token = (await created.json()) as CreatedToken;
      const bearer = { authorization: `Bearer ${token.token}` };

      assert.equal((await fetch(watchUrl(t.url, "eu"))).status, 401);
      const other = await fetch(watchUrl(t.url, "us"), { headers: bearer });
      assert.equal(other.status, 403);
      assert.equal(((await other.json()) as { error: { code: string } }).error.code, "forbidden");

      const reader = await SseReader.open(watchUrl(t.url, "eu"), bearer);
      await reader.nextOf("changes");
      const revoked = await fetch(`${t.url}/v1/tokens/${token.id}`, { method: "DELETE", headers: { authorization: `Bearer ${ADMIN}` } });
      assert.equal(revoked.status, 200);
      // The stream ends (the test's timeout fails it otherwise) and its wait is released.
      await reader.ended;
      await until(() => internalsOf(t.store).notifier.waiting === 0, "the revoked reader to stop waiting for commits");
      assert.equal((await fetch(watchUrl(t.url, "eu"), { headers: bearer })).status, 401);
    } finally {
      await t.close();
    }
  });
});
