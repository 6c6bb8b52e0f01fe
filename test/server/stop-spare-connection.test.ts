import assert from "node:assert/strict";
import { connect } from "node:net";
import { it } from "node:test";
import { openStore } from "../../src/open-store.js";
import { startServer } from "../../src/server/serve.js";

it("stop() does not wait for a connection that never sent a request", { timeout: 15_000 }, async () => {
  const store = await openStore({ path: ":memory:", maintenanceIntervalMs: 0 });
  const server = await startServer({ store, port: 0, log: () => {} });
  const { port } = new URL(server.url);
  const socket = connect({ host: "127.0.0.1", port: Number(port) });
  await new Promise((resolve) => socket.once("connect", resolve));
  const closed = new Promise((resolve) => socket.once("close", resolve));
  socket.on("error", () => {});
  const started = Date.now();
  await server.stop();
  await closed;
  assert.ok(Date.now() - started < 5_000, `stop took ${Date.now() - started} ms`);
  await store.close();
});
