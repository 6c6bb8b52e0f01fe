/**
 * A token revoked through node A loses its open reads on node B too: B's watch streams
 * and long-polls of that token end within the token cache time, and B then refuses it.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type ApiNode, startNodes, stopNodes } from "../../src/checker/nodes.js";
import { VersoClient } from "../../src/client/http-client.js";
import { internalsOf } from "../../src/core/store-internals.js";
import { ADMIN_TOKEN } from "../auth/helpers.js";
import { within } from "../support/child-process.js";
import { until } from "../support/until.js";
import { SseReader } from "../watch/sse-reader.js";
import { watchUrl } from "../watch/watch-server.js";
import { dropSchema, PG_URL, randomSchema, SKIP_POSTGRES } from "./pg-env.js";

const CACHE_MS = 300;
/** Time allowed beyond the cache time: a lookup round trip and the close reaching the reader. */
const SLACK_MS = 1_500;

describe("revoking a token ends its open reads on every node", { skip: SKIP_POSTGRES }, () => {
  const schema = randomSchema();
  let nodes: ApiNode[] = [];

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

  it("a watch stream and a long-poll on node B end within the cache time of a revocation on node A", { timeout: 30_000 }, async () => {
    const admin = new VersoClient({ server: nodes[0]!.url, token: ADMIN_TOKEN, retries: 0 });
    const created = await admin.createToken({ role: "read", regions: ["edge-1"], name: "agent" });
    const bearer = { authorization: `Bearer ${created.token}` };
    const b = nodes[1]!.url;

    const stream = await SseReader.open(watchUrl(b, "edge-1"), bearer);
    await stream.nextOf("changes");
    const poll = fetch(`${b}/v1/regions/edge-1/changes?since=0&waitMs=60000`, { headers: bearer }).then(
      async (response) => `answered ${response.status}: ${await response.text()}`,
      () => "closed",
    );
    await until(() => internalsOf(nodes[1]!.store).notifier.waiting >= 2, "the stream and the long-poll to wait on node B");
    assert.equal(await Promise.race([poll, Promise.resolve("open")]), "open");

    await admin.revokeToken(created.id);
    await within(stream.ended, CACHE_MS + SLACK_MS, "node B to end the revoked token's watch stream");
    assert.equal(await within(poll, CACHE_MS + SLACK_MS, "node B to end the revoked token's long-poll"), "closed");
    const again = await fetch(watchUrl(b, "edge-1"), { headers: bearer });
    assert.equal(again.status, 401, "node B refuses the token once it ended its reads");
    await again.body?.cancel();
  });
});
