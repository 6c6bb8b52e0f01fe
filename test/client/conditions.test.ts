/** The client's conditional writes against a real server: every Expectation reaches it as the contract's header. */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { VersionMismatchError, VersoClient } from "../../src/client/index.js";
import type { VersoStore } from "../../src/core/store.js";
import { openStore } from "../../src/open-store.js";
import { type RunningServer, startServer } from "../../src/server/serve.js";

describe("client: conditional writes", () => {
  let store: VersoStore;
  let server: RunningServer;
  let client: VersoClient;
  before(async () => {
    store = await openStore({ path: ":memory:", maintenanceIntervalMs: 0 });
    server = await startServer({ store, host: "127.0.0.1", port: 0, log: () => {} });
    client = new VersoClient({ server: server.url, retries: 0 });
  });
  after(async () => {
    await server.stop();
    await store.close();
  });

  it('puts with ifVersion "present" only over a live row (If-Match: *)', async () => {
    await assert.rejects(client.put("r", "c", "present-put", 1, { ifVersion: "present" }), VersionMismatchError);
    assert.equal((await client.getVersion("r")).version, 0, "a failed condition takes no version");
    await client.put("r", "c", "present-put", 1);
    const { version } = await client.put("r", "c", "present-put", 2, { ifVersion: "present" });
    assert.deepEqual(await client.get("r", "c", "present-put"), { key: "present-put", version, value: 2 });
  });

  it('deletes with ifVersion "present" a live row, and refuses an absent one', async () => {
    await client.put("r", "c", "present-delete", 1);
    await client.delete("r", "c", "present-delete", { ifVersion: "present" });
    await assert.rejects(client.delete("r", "c", "present-delete", { ifVersion: "present" }), VersionMismatchError);
  });

  it("puts with ifVersion 0 only where no row is (If-None-Match: *), and with a version only over that version", async () => {
    const { version } = await client.put("r", "c", "absent", 1, { ifVersion: 0 });
    await assert.rejects(client.put("r", "c", "absent", 2, { ifVersion: 0 }), VersionMismatchError);
    await assert.rejects(client.put("r", "c", "absent", 2, { ifVersion: version + 100 }), VersionMismatchError);
    assert.equal((await client.put("r", "c", "absent", 2, { ifVersion: version })).version, version + 1);
  });
});
