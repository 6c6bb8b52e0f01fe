/** /metrics: values move as requests are made; a scoped token sees only its regions' series. */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { ADMIN_TOKEN, authApp, call, createToken, type TestApp } from "../auth/helpers.js";

const PUT_ROUTE = "/v1/regions/:region/collections/:collection/rows/:key";

/** Sample lines of the exposition as "name{labels}" → value. */
function samples(text: string): Map<string, number> {
  const found = new Map<string, number>();
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const at = line.lastIndexOf(" ");
    found.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return found;
}

describe("metrics", () => {
  let t: TestApp;
  const scrape = async (token = ADMIN_TOKEN) => {
    const answer = await t.app.inject({ method: "GET", url: "/metrics", headers: { authorization: `Bearer ${token}` } });
    assert.equal(answer.statusCode, 200, answer.body);
    assert.match(String(answer.headers["content-type"]), /^text\/plain; version=0\.0\.4/);
    return { text: answer.body, values: samples(answer.body) };
  };
  before(async () => {
    t = await authApp();
  });
  after(() => t.close());

  it("counts requests, commits, replays, feed pages, and reads heads, floors and agents per scrape", async () => {
    const put = `verso_http_requests_total{method="PUT",route="${PUT_ROUTE}",status="200"}`;
    const before = (await scrape()).values;
    assert.equal(before.get(put) ?? 0, 0);

    await call(t.app, "PUT", "/v1/regions/eu/collections/c/rows/a", ADMIN_TOKEN, 1, { "idempotency-key": "k1" });
    await call(t.app, "PUT", "/v1/regions/eu/collections/c/rows/a", ADMIN_TOKEN, 1, { "idempotency-key": "k1" });
    await call(t.app, "PUT", "/v1/regions/us/collections/c/rows/b", ADMIN_TOKEN, 2);
    await call(t.app, "POST", "/v1/regions/eu/compact", ADMIN_TOKEN, { retainVersions: 0 });
    await call(t.app, "GET", "/v1/regions/eu/changes?since=0", ADMIN_TOKEN);
    await call(t.app, "GET", "/v1/regions/eu/collections/c/rows/nope", ADMIN_TOKEN);
    await call(t.app, "PUT", "/v1/regions/eu/agents/a1", ADMIN_TOKEN, { applied: 0 });
    await t.store.put("eu", "c", "z", 3);
    const { values, text } = await scrape();

    assert.equal(values.get(put), 3);
    assert.equal(values.get(`verso_http_requests_total{method="GET",route="${PUT_ROUTE}",status="404"}`), 1);
    assert.equal(values.get(`verso_http_request_duration_seconds_count{method="PUT",route="${PUT_ROUTE}",status="200"}`), 3);
    assert.equal(values.get("verso_idempotency_replays_total"), 1);
    assert.ok((values.get("verso_commits_total") ?? 0) >= 4, "three writes and a compaction committed");
    assert.equal(values.get("verso_commit_batch_size_count"), values.get("verso_commits_total"));
    assert.equal(values.get("verso_commit_duration_seconds_count"), values.get("verso_commits_total"));
    assert.equal(values.get('verso_feed_pages_total{transport="changes"}'), 1);
    assert.equal(values.get('verso_feed_ops_total{transport="changes"}'), 2, "since 0 is below the floor: a reset, clear and the live row");
    assert.equal(values.get('verso_region_head{region="eu"}'), 2);
    assert.equal(values.get('verso_region_floor{region="eu"}'), 1);
    assert.equal(values.get('verso_region_head{region="us"}'), 1);
    assert.equal(values.get('verso_region_versions_total{region="eu"}'), 1, "versions seen after the first one: the last put's");
    assert.equal(values.get('verso_agents{region="eu",state="live"}'), 1);
    assert.equal(values.get('verso_agents{region="eu",state="stale"}'), 0);
    assert.equal(values.get('verso_agent_lag_versions_max{region="eu"}'), 2);
    assert.ok((values.get("verso_database_size_bytes") ?? 0) > 0);
    assert.equal(values.get("verso_watchers"), 0);
    assert.equal(values.get("verso_storage_errors_total"), 0);
    for (const name of text
      .split("\n")
      .filter((l) => l.startsWith("# TYPE "))
      .map((l) => l.split(" ")[2] ?? "")) {
      assert.match(name, /^verso_[a-z0-9_]+$/, "every metric is verso's");
    }
  });

  it("a scoped token sees its regions' series only; no token gets 401", async () => {
    const reader = await createToken(t.app, "read", ["us"]);
    const { text, values } = await scrape(reader.token);
    assert.equal(values.get('verso_region_head{region="us"}'), 1);
    assert.doesNotMatch(text, /region="eu"/);
    assert.ok(values.has("verso_commits_total"), "series without a region stay");
    const anonymous = await t.app.inject({ method: "GET", url: "/metrics" });
    assert.equal(anonymous.statusCode, 401);
  });
});
