/**
 * verso's Replicache endpoints as plain HTTP: the request checks, what becomes of each
 * mutation (applied, skipped, rejected), the stops Replicache's protocol asks for, and
 * scoped tokens.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { authApp, call as authCall, createToken, type TestApp } from "../auth/helpers.js";
import { type Harness, harness, call as httpCall } from "../http/helpers.js";

const PULL = "/v1/regions/space/replicache/pull";
const PUSH = "/v1/regions/space/replicache/push";

function push(clientGroupID: string, mutations: Array<{ clientID: string; id: number; name: string; args?: unknown }>) {
  return { pushVersion: 1, schemaVersion: "", profileID: "p", clientGroupID, mutations: mutations.map((m) => ({ timestamp: 1, ...m })) };
}

function pull(clientGroupID: string, cookie: unknown = null) {
  return { pullVersion: 1, schemaVersion: "", profileID: "p", clientGroupID, cookie };
}

describe("Replicache endpoints over HTTP", () => {
  let h: Harness;
  before(async () => {
    h = await harness();
  });
  after(() => h.close());

  const post = <T = Record<string, unknown>>(url: string, body: unknown) => httpCall<T>(h.app, "POST", url, { body });
  const head = async () => (await h.store.getVersion("space")).version;

  it("refuses malformed bodies with 400 and the contract's body, changing nothing", async () => {
    const bad: Array<[string, unknown]> = [
      [PULL, [1, 2]],
      [PULL, { pullVersion: 1, cookie: null }],
      [PULL, pull("g", "a string cookie")],
      [PULL, pull("g", { order: -1, version: 0, epoch: "" })],
      [PUSH, { pushVersion: 1, clientGroupID: "g" }],
      [PUSH, push("g", [{ clientID: "", id: 1, name: "put" }])],
      [PUSH, push("g", [{ clientID: "c", id: 0, name: "put" }])],
      [PUSH, { ...push("g", []), mutations: [{ clientID: "c", id: 1, name: 7 }] }],
    ];
    for (const [url, body] of bad) {
      const answer = await post<{ error: { code: string; message: string } }>(url, body);
      assert.equal(answer.status, 400, `${url} ${JSON.stringify(body)}`);
      assert.equal(answer.body.error.code, "bad_request");
    }
    assert.equal((await httpCall(h.app, "POST", PUSH, { raw: "{" })).status, 400);
    assert.equal(await head(), 0, "nothing changed");
  });

  it("answers other protocol versions with VersionNotSupported, as Replicache expects", async () => {
    assert.deepEqual((await post(PULL, { ...pull("g"), pullVersion: 0 })).body, { error: "VersionNotSupported", versionType: "pull" });
    assert.deepEqual((await post(PUSH, { ...push("g", []), pushVersion: 0 })).body, { error: "VersionNotSupported", versionType: "push" });
  });

  it("records unknown mutators and invalid arguments as processed, and reports them", async () => {
    const answer = await post<{ mutations: Array<{ id: number; result: string; reason?: string; version?: number }> }>(
      PUSH,
      push("g1", [
        { clientID: "c1", id: 1, name: "launchRockets", args: {} },
        { clientID: "c1", id: 2, name: "put", args: { key: "no-slash", value: 1 } },
        { clientID: "c1", id: 3, name: "put", args: { key: "todos/1", value: 1 } },
        { clientID: "c1", id: 4, name: "txn", args: { ops: [{ op: "put", collection: "todos", key: "1", value: 2, ifVersion: 99 }] } },
        { clientID: "c1", id: 5, name: "del", args: { key: "todos/absent" } },
      ]),
    );
    assert.equal(answer.status, 200);
    assert.deepEqual(
      answer.body.mutations.map((m) => [m.id, m.result, m.version]),
      [
        [1, "rejected", 1],
        [2, "rejected", 2],
        [3, "applied", 3],
        [4, "rejected", 4],
        [5, "applied", 5],
      ],
    );
    assert.match(answer.body.mutations[0]?.reason ?? "", /unknown mutator "launchRockets"/);
    assert.match(answer.body.mutations[3]?.reason ?? "", /ifVersion of todos\/1/);
    assert.ok(h.logs.some((line) => line.includes("mutation 1 of client c1 rejected")));
    assert.equal((await h.store.get("space", "todos", "1")).value, 1);
    const again = await post<{ mutations: Array<{ result: string }> }>(
      PUSH,
      push("g1", [{ clientID: "c1", id: 5, name: "put", args: {} }]),
    );
    assert.deepEqual(
      again.body.mutations.map((m) => m.result),
      ["skipped"],
      "a retried mutation is not applied twice",
    );
    const pulled = await post<{ lastMutationIDChanges: Record<string, number>; patch: unknown[] }>(PULL, pull("g1"));
    assert.deepEqual(pulled.body.lastMutationIDChanges, { c1: 5 });
    assert.deepEqual(pulled.body.patch, [{ op: "clear" }, { op: "put", key: "todos/1", value: 1 }]);
  });

  it("rejects a mutation whose value breaks its collection's schema, and stamps the ones that fit", async () => {
    await h.store.registerSchema("typed", { type: "object", properties: { n: { type: "number" } }, required: ["n"] });
    const answer = await post<{ mutations: Array<{ result: string; reason?: string }> }>(
      PUSH,
      push("g3", [
        { clientID: "s1", id: 1, name: "put", args: { key: "typed/bad", value: 5 } },
        { clientID: "s1", id: 2, name: "put", args: { key: "typed/good", value: { n: 1 } } },
        { clientID: "s1", id: 3, name: "put", args: { key: "untyped/any", value: 5 } },
      ]),
    );
    assert.deepEqual(
      answer.body.mutations.map((m) => m.result),
      ["rejected", "applied", "applied"],
    );
    assert.match(answer.body.mutations[0]?.reason ?? "", /breaks version 1 of the collection's schema/);
    assert.deepEqual(await h.store.get("space", "typed", "good"), { key: "good", version: (await head()) - 1, schema: 1, value: { n: 1 } });
  });

  it("stops at a mutation from the future, keeping what came before it", async () => {
    const answer = await post<{ error: { code: string; message: string } }>(
      PUSH,
      push("g1", [
        { clientID: "c1", id: 6, name: "put", args: { key: "todos/6", value: 6 } },
        { clientID: "c1", id: 8, name: "put", args: { key: "todos/8", value: 8 } },
      ]),
    );
    assert.equal(answer.status, 400);
    assert.match(answer.body.error.message, /mutation 8 of client c1 is from the future: its last processed mutation is 6/);
    assert.equal((await h.store.get("space", "todos", "6")).value, 6);
    const pulled = await post<{ lastMutationIDChanges: Record<string, number> }>(PULL, pull("g1"));
    assert.deepEqual(pulled.body.lastMutationIDChanges, { c1: 6 });
  });

  it("tells Replicache when a client's state is unknown, and refuses a client of another group", async () => {
    const before = await head();
    const unknown = await post(PUSH, push("g2", [{ clientID: "c9", id: 4, name: "put", args: { key: "todos/9", value: 9 } }]));
    assert.deepEqual(unknown.body, { error: "ClientStateNotFound", mutations: [] });
    const other = await post<{ error: { code: string } }>(
      PUSH,
      push("g2", [{ clientID: "c1", id: 7, name: "put", args: { key: "t/x", value: 1 } }]),
    );
    assert.equal(other.status, 400);
    assert.equal(await head(), before, "nothing changed");
  });

  it("answers a patch of several feed pages as one response, whole or from a cookie", async () => {
    const region = "big";
    for (let t = 0; t < 11; t++) {
      await h.store.transact(
        region,
        Array.from({ length: 1000 }, (_, i) => ({ op: "put" as const, collection: "rows", key: `k${t}-${i}`, value: { t, i } })),
      );
    }
    await h.store.delete(region, "rows", "k0-0");
    type Pulled = { cookie: { version: number; epoch: string; order: number }; patch: Array<{ op: string; key?: string }> };
    const whole = await post<Pulled>(`/v1/regions/${region}/replicache/pull`, pull("g"));
    assert.equal(whole.status, 200);
    assert.deepEqual(whole.body.patch[0], { op: "clear" });
    const puts = whole.body.patch.filter((op) => op.op === "put").map((op) => op.key);
    assert.equal(new Set(puts).size, 10_999, "every live row once");
    assert.ok(!puts.includes("rows/k0-0"));
    assert.equal(whole.body.cookie.version, 12);
    const since = await post<Pulled>(
      `/v1/regions/${region}/replicache/pull`,
      pull("g", { order: 0, version: 0, epoch: whole.body.cookie.epoch }),
    );
    assert.equal(since.body.patch.length, 11_000, "every write from version 0, the delete included");
    assert.deepEqual(since.body.patch.at(-1), { op: "del", key: "rows/k0-0" });
    assert.equal(since.body.cookie.order, 12);
  });

  it("resets a cookie of another epoch or above the head, and its order still moves forward", async () => {
    type Pulled = { cookie: { order: number; version: number; epoch: string }; patch: Array<{ op: string }> };
    const current = await post<Pulled>(PULL, pull("g1"));
    const { version, epoch } = current.body.cookie;
    const ahead = await post<Pulled>(PULL, pull("g1", { order: 900, version: version + 50, epoch }));
    assert.equal(ahead.body.patch[0]?.op, "clear");
    assert.deepEqual(ahead.body.cookie, { order: 901, version, epoch }, "a restored server: the version went back, the order did not");
    const foreign = await post<Pulled>(PULL, pull("g1", { order: 3, version: 1, epoch: "another-epoch" }));
    assert.equal(foreign.body.patch[0]?.op, "clear");
    assert.deepEqual(foreign.body.cookie, { order: 3 + version - 1, version, epoch });
    const incremental = await post<Pulled>(PULL, pull("g1", { order: 40, version: version - 1, epoch }));
    assert.notEqual(incremental.body.patch[0]?.op, "clear");
    assert.deepEqual(incremental.body.cookie, { order: 41, version, epoch });
  });

  it("answers an unchanged cookie with the same cookie and an empty patch", async () => {
    const first = await post<{ cookie: unknown }>(PULL, pull("g1"));
    const second = await post<{ cookie: unknown; patch: unknown[]; lastMutationIDChanges: object }>(PULL, pull("g1", first.body.cookie));
    assert.deepEqual(second.body, { cookie: first.body.cookie, lastMutationIDChanges: {}, patch: [] });
  });
});

describe("Replicache endpoints with scoped tokens", () => {
  let t: TestApp;
  before(async () => {
    t = await authApp();
  });
  after(() => t.close());

  it("a read token may pull and not push; a write token may push", async () => {
    const reader = await createToken(t.app, "read", ["space"]);
    const writer = await createToken(t.app, "write", ["space"]);
    const mutation = push("g", [{ clientID: "c", id: 1, name: "put", args: { key: "todos/1", value: 1 } }]);
    assert.equal((await authCall(t.app, "POST", PULL, reader.token, pull("g"))).status, 200);
    assert.equal((await authCall(t.app, "POST", PUSH, reader.token, mutation)).status, 403);
    assert.equal((await authCall(t.app, "POST", PUSH, undefined, mutation)).status, 401);
    assert.equal((await authCall(t.app, "POST", "/v1/regions/elsewhere/replicache/pull", reader.token, pull("g"))).status, 403);
    assert.equal((await authCall(t.app, "POST", PUSH, writer.token, mutation)).status, 200);
    assert.equal((await t.store.get("space", "todos", "1")).value, 1);
  });
});
