/** Two verso API nodes (store + HTTP server each) on one PostgreSQL schema. */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type ApiNode, startNodes, stopNodes } from "../../src/checker/nodes.js";
import { VersoClient } from "../../src/client/http-client.js";
import { HttpTransport } from "../../src/client/transport.js";
import { internalsOf } from "../../src/core/store-internals.js";
import { IdempotencyKeyReusedError } from "../../src/protocol/errors.js";
import { until } from "../support/until.js";
import { dropSchema, PG_URL, randomSchema, SKIP_POSTGRES } from "./pg-env.js";

/** Polls `condition` until it holds (nothing to await: the waiter lives inside the other node). */
describe("two API nodes on one PostgreSQL schema", { skip: SKIP_POSTGRES }, () => {
  const schema = randomSchema();
  let nodes: ApiNode[] = [];
  let a: VersoClient;
  let b: VersoClient;
  /** The same nodes without the client's methods, to read a write's response headers. */
  let rawA: HttpTransport;
  let rawB: HttpTransport;

  before(async () => {
    nodes = await startNodes({ kind: "postgres", url: PG_URL, schema, poolSize: 4 }, 2);
    a = new VersoClient({ server: nodes[0]!.url, retries: 0 });
    b = new VersoClient({ server: nodes[1]!.url, retries: 0 });
    rawA = new HttpTransport({ server: nodes[0]!.url, retries: 0 });
    rawB = new HttpTransport({ server: nodes[1]!.url, retries: 0 });
  });
  after(async () => {
    await stopNodes(nodes);
    await dropSchema(schema);
  });

  it("wakes a long-poll on node A with a commit made through node B", async () => {
    const { version } = await b.put("poll", "c", "first", 1);
    const started = Date.now();
    const polling = a.changes("poll", { since: version, waitMs: 20_000 });
    await until(() => internalsOf(nodes[0]!.store).notifier.waiting === 1, "the long-poll to wait on node A");
    await b.put("poll", "c", "second", 2);
    const page = await polling;
    assert.deepEqual(
      page.ops.map((op) => op.op === "put" && [op.key, op.version]),
      [["second", version + 1]],
    );
    assert.equal(page.cursor, version + 1);
    assert.ok(Date.now() - started < 10_000, "answered by the commit, not by the timeout");
  });

  it("wakes a min-version read on node A with a commit made through node B", async () => {
    const { version } = await b.put("barrier", "c", "k", "old");
    const reading = a.get("barrier", "c", "k", { minVersion: version + 1, timeoutMs: 20_000 });
    await until(() => internalsOf(nodes[0]!.store).notifier.waiting === 1, "the read to wait on node A");
    await b.put("barrier", "c", "k", "new");
    assert.deepEqual(await reading, { key: "k", version: version + 1, value: "new" });
  });

  it("replays on node B a write first made on node A with the same Idempotency-Key", async () => {
    const first = await rawA.request<{ version: number }>({
      method: "PUT",
      path: "/v1/regions/retry/collections/c/rows/k",
      body: { v: 1 },
      write: { idempotencyKey: "retry-1" },
    });
    const retried = await rawB.request<{ version: number }>({
      method: "PUT",
      path: "/v1/regions/retry/collections/c/rows/k",
      body: { v: 1 },
      write: { idempotencyKey: "retry-1" },
    });
    assert.deepEqual(retried.body, first.body);
    assert.equal(first.headers.get("idempotency-replayed"), null);
    assert.equal(retried.headers.get("idempotency-replayed"), "true");
    assert.equal((await b.getVersion("retry")).version, 1);
    await assert.rejects(b.put("retry", "c", "k", { v: 2 }, { idempotencyKey: "retry-1" }), IdempotencyKeyReusedError);
  });

  it("executes once a request sent to both nodes at the same time with one Idempotency-Key", async () => {
    const keys = Array.from({ length: 25 }, (_, i) => `both-${i}`);
    const send = (transport: HttpTransport, key: string) =>
      transport.request<{ region: string; version: number }>({
        method: "POST",
        path: "/v1/regions/both/next-version",
        write: { idempotencyKey: key },
      });
    const pairs = await Promise.all(keys.map((key) => Promise.all([send(rawA, key), send(rawB, key)])));
    for (const [x, y] of pairs) {
      assert.deepEqual(x.body, y.body);
      const replayed = [x, y].filter((r) => r.headers.get("idempotency-replayed") === "true").length;
      assert.equal(replayed, 1);
    }
    assert.equal((await a.getVersion("both")).version, keys.length);
    assert.deepEqual(
      pairs.map(([x]) => x.body.version).sort((p, q) => p - q),
      keys.map((_, i) => i + 1),
    );
  });
});
