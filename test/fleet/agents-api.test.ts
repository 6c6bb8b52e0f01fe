/** The agents API under auth: who may report, who sees which agents, bad reports, forgetting. */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { ADMIN_TOKEN, authApp, call, createToken, type TestApp } from "../auth/helpers.js";

describe("agents API", () => {
  let t: TestApp;
  before(async () => {
    t = await authApp();
  });
  after(() => t.close());

  it("a read token reports for its regions only, and sees only their agents", async () => {
    const eu = await createToken(t.app, "read", ["eu"], "edge-eu");
    const us = await createToken(t.app, "read", ["us"]);
    await call(t.app, "PUT", "/v1/regions/eu/collections/c/rows/k", ADMIN_TOKEN, 1);
    assert.equal(
      (await call(t.app, "PUT", "/v1/regions/eu/agents/a1", eu.token, { applied: 1, name: "one", transport: "watch" })).status,
      204,
    );
    assert.equal((await call(t.app, "PUT", "/v1/regions/us/agents/a2", us.token, { applied: 0 })).status, 204);
    const refused = await call(t.app, "PUT", "/v1/regions/us/agents/a3", eu.token, { applied: 0 });
    assert.equal(refused.status, 403);
    assert.equal(refused.body.error.code, "forbidden");

    const seenByEu = await call(t.app, "GET", "/v1/agents", eu.token);
    assert.equal(seenByEu.status, 200);
    assert.deepEqual(
      seenByEu.body.agents.map((a: { id: string }) => a.id),
      ["a1"],
    );
    const [one] = seenByEu.body.agents;
    assert.equal(one.name, "one");
    assert.equal(one.tokenName, "edge-eu", "the token's name, never its secret");
    assert.equal(one.head, 1);
    assert.equal(one.lagVersions, 0);
    assert.equal(one.state, "live");
    assert.deepEqual(Object.keys(one).sort(), [
      "applied",
      "handled",
      "head",
      "id",
      "lagSeconds",
      "lagVersions",
      "lastSeen",
      "name",
      "region",
      "state",
      "tokenName",
      "transport",
    ]);
    assert.deepEqual((await call(t.app, "GET", "/v1/agents?region=us", eu.token)).body, { agents: [] });
    const all = await call(t.app, "GET", "/v1/agents", ADMIN_TOKEN);
    assert.deepEqual(
      all.body.agents.map((a: { id: string; tokenName: string }) => [a.id, a.tokenName]),
      [
        ["a1", "edge-eu"],
        ["a2", us.id],
      ],
    );
    assert.deepEqual(
      (await call(t.app, "GET", "/v1/agents?region=us", ADMIN_TOKEN)).body.agents.map((a: { id: string }) => a.id),
      ["a2"],
    );
  });

  it("bad reports get 400 and change nothing", async () => {
    for (const [path, body] of [
      ["/v1/regions/eu/agents/a1", { applied: -1 }],
      ["/v1/regions/eu/agents/a1", { applied: 1.5 }],
      ["/v1/regions/eu/agents/a1", {}],
      ["/v1/regions/eu/agents/a1", { applied: 1, extra: true }],
      ["/v1/regions/eu/agents/a1", { applied: 1, name: "" }],
      ["/v1/regions/eu/agents/a1", { applied: 1, transport: "Not A Word" }],
      ["/v1/regions/eu/agents/a1", [1]],
      ["/v1/regions/eu/agents/bad%20id", { applied: 1 }],
    ] as const) {
      const answer = await call(t.app, "PUT", path, ADMIN_TOKEN, body);
      assert.equal(answer.status, 400, `${path} ${JSON.stringify(body)}`);
      assert.equal(answer.body.error.code, "bad_request");
    }
    const a1 = (await call(t.app, "GET", "/v1/agents?region=eu", ADMIN_TOKEN)).body.agents[0];
    assert.equal(a1.applied, 1);
    assert.equal(a1.name, "one");
  });

  it("only the admin forgets an agent; an unknown one is 404", async () => {
    const reader = await createToken(t.app, "read", ["*"]);
    assert.equal((await call(t.app, "DELETE", "/v1/agents/a2", reader.token)).status, 403);
    assert.deepEqual((await call(t.app, "DELETE", "/v1/agents/a2", ADMIN_TOKEN)).body, { id: "a2", forgotten: true });
    const again = await call(t.app, "DELETE", "/v1/agents/a2", ADMIN_TOKEN);
    assert.equal(again.status, 404);
    assert.equal(again.body.error.code, "not_found");
    assert.deepEqual(
      (await call(t.app, "GET", "/v1/agents", ADMIN_TOKEN)).body.agents.map((a: { id: string }) => a.id),
      ["a1"],
    );
  });

  it("without a token nothing is listed or reported", async () => {
    assert.equal((await call(t.app, "GET", "/v1/agents")).status, 401);
    assert.equal((await call(t.app, "PUT", "/v1/regions/eu/agents/a9", undefined, { applied: 0 })).status, 401);
  });
});
