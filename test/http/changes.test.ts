import assert from "node:assert/strict";
import { after, afterEach, before, beforeEach, describe, it } from "node:test";
import type { FastifyInstance } from "fastify";
import { internalsOf } from "../../src/core/store-internals.js";
import type { Page, RowList } from "../../src/protocol/types.js";
import { assertError, call, del, type Harness, harness, put, regionOf, regionUrl, rowsUrl, until } from "./helpers.js";

const R = "feed";
const changes = (query: string) => `${regionUrl(R)}/changes${query}`;

async function page(app: FastifyInstance, query: string): Promise<Page> {
  const res = await call<Page>(app, "GET", changes(query));
  assert.equal(res.status, 200, res.text);
  // A reset page of a written region also says how many live rows the reset holds.
  const keys = [
    "cursor",
    "epoch",
    "head",
    "more",
    "ops",
    "region",
    "reset",
    ...(res.body.reset && res.body.epoch !== "" ? ["resetRows"] : []),
  ];
  assert.deepEqual(Object.keys(res.body).sort(), keys);
  return res.body;
}

/** A replica as an agent keeps it: `collection/key` → value. */
type Replica = Map<string, unknown>;

function apply(replica: Replica, p: Page): void {
  for (const op of p.ops) {
    if (op.op === "clear") replica.clear();
    else if (op.op === "put") replica.set(`${op.collection}/${op.key}`, op.value);
    else replica.delete(`${op.collection}/${op.key}`);
  }
}

/** Follows `more` from `query` to the end; fails instead of looping forever. */
async function follow(
  app: FastifyInstance,
  query: string,
  limit: number,
  replica: Replica = new Map(),
): Promise<{ pages: Page[]; replica: Replica }> {
  const pages: Page[] = [];
  let p = await page(app, `${query}${query ? "&" : "?"}limit=${limit}`);
  for (;;) {
    pages.push(p);
    apply(replica, p);
    if (!p.more) return { pages, replica };
    assert.ok(pages.length < 100, `no convergence after 100 pages: ${JSON.stringify(pages.slice(-2))}`);
    p = await page(app, `?since=${p.cursor}&epoch=${p.epoch}&limit=${limit}`);
  }
}

async function liveState(app: FastifyInstance, collections: string[]): Promise<Replica> {
  const state: Replica = new Map();
  for (const c of collections) {
    const res = await call<RowList>(app, "GET", `${rowsUrl(R, c)}?limit=10000`);
    for (const row of res.body.rows) state.set(`${c}/${row.key}`, row.value);
  }
  return state;
}

describe("GET /v1/regions/{r}/changes: pages", () => {
  let h: Harness;
  let epoch: string;
  before(async () => {
    h = await harness();
    await put(h.app, R, "c", "a", "a1"); // 1
    await put(h.app, R, "c", "b", "b1"); // 2
    await del(h.app, R, "c", "a"); // 3
    await put(h.app, R, "c", "b", "b2"); // 4
    await put(h.app, R, "d", "x", { x: true }); // 5
    epoch = (await regionOf(h.app, R)).epoch;
  });
  after(() => h.close());

  it("since=V lists every change after V in version order, tombstones included", async () => {
    assert.deepEqual(await page(h.app, "?since=2"), {
      region: R,
      epoch,
      reset: false,
      ops: [
        { op: "del", collection: "c", key: "a", version: 3 },
        { op: "put", collection: "c", key: "b", version: 4, value: "b2" },
        { op: "put", collection: "d", key: "x", version: 5, value: { x: true } },
      ],
      cursor: 5,
      head: 5,
      more: false,
    });
  });

  it("since=0 shows only the latest state of each row (the rows table keeps one state per key)", async () => {
    const p = await page(h.app, "?since=0");
    assert.equal(p.reset, false);
    assert.deepEqual(
      p.ops.map((op) => (op.op === "clear" ? "clear" : `${op.op} ${op.key}@${op.version}`)),
      ["del a@3", "put b@4", "put x@5"],
    );
  });

  it("since=head is an empty page at the head", async () => {
    assert.deepEqual(await page(h.app, "?since=5"), { region: R, epoch, reset: false, ops: [], cursor: 5, head: 5, more: false });
  });

  it("without since: a reset page, clear then live rows only, in version order", async () => {
    assert.deepEqual(await page(h.app, ""), {
      region: R,
      epoch,
      reset: true,
      ops: [
        { op: "clear" },
        { op: "put", collection: "c", key: "b", version: 4, value: "b2" },
        { op: "put", collection: "d", key: "x", version: 5, value: { x: true } },
      ],
      cursor: 5,
      head: 5,
      more: false,
      resetRows: 2,
    });
  });

  it("a cursor ahead of the head (server lost state) gets a reset", async () => {
    const p = await page(h.app, "?since=6");
    assert.equal(p.reset, true);
    assert.deepEqual(p.ops[0], { op: "clear" });
    assert.equal(p.cursor, 5);
  });

  it("a cursor from another epoch gets a reset; the same epoch or none is served incrementally", async () => {
    const other = await page(h.app, "?since=4&epoch=some-other-epoch");
    assert.equal(other.reset, true);
    assert.deepEqual(other.ops[0], { op: "clear" });
    assert.equal((await page(h.app, `?since=4&epoch=${epoch}`)).reset, false);
    // Without epoch (or with an empty one) only floor and head are checked.
    assert.equal((await page(h.app, "?since=4")).reset, false);
    assert.equal((await page(h.app, "?since=4&epoch=")).reset, false);
  });

  it("a region never written: reset page with only clear, or an empty page from 0", async () => {
    const url = (q: string) => `${regionUrl("empty")}/changes${q}`;
    assert.deepEqual((await call(h.app, "GET", url(""))).body, {
      region: "empty",
      epoch: "",
      reset: true,
      ops: [{ op: "clear" }],
      cursor: 0,
      head: 0,
      more: false,
    });
    assert.deepEqual((await call(h.app, "GET", url("?since=0"))).body, {
      region: "empty",
      epoch: "",
      reset: false,
      ops: [],
      cursor: 0,
      head: 0,
      more: false,
    });
  });

  it("refuses malformed parameters with 400", async () => {
    for (const q of [
      "?since=-1",
      "?since=abc",
      "?since=1.5",
      "?limit=0",
      "?limit=10001",
      "?waitMs=soon",
      "?since=1&since=2",
      "?epoch=a&epoch=b",
    ]) {
      assertError(await call(h.app, "GET", changes(q)), 400, "bad_request");
    }
    assertError(await call(h.app, "GET", `${regionUrl("bad name")}/changes`), 400, "bad_request");
  });
});

describe("GET /v1/regions/{r}/changes: limit and paging", () => {
  let h: Harness;
  beforeEach(async () => {
    h = await harness();
  });
  afterEach(() => h.close());

  const txn = (ops: unknown[]) => call(h.app, "POST", `${regionUrl(R)}/transactions`, { body: { ops } });
  const puts = (collection: string, keys: string[]) => keys.map((key) => ({ op: "put", collection, key, value: key }));

  it("more: true with a cursor to ask again from, until the head", async () => {
    for (const key of ["a", "b", "c", "d", "e"]) await put(h.app, R, "c", key, key);
    const { pages } = await follow(h.app, "?since=0", 2);
    assert.deepEqual(
      pages.map((p) => [p.ops.map((op) => (op as { key: string }).key).join(""), p.cursor, p.more]),
      [
        ["ab", 2, true],
        ["cd", 4, true],
        ["e", 5, false],
      ],
    );
  });

  it("never splits a version: a page ends before a version that would not fit", async () => {
    await put(h.app, R, "c", "solo", 1); // version 1
    await txn(puts("c", ["x", "y", "z"])); // version 2, three ops
    const first = await page(h.app, "?since=0&limit=2");
    assert.deepEqual(
      first.ops.map((op) => (op as { version: number }).version),
      [1],
    );
    assert.equal(first.cursor, 1);
    assert.equal(first.more, true);
  });

  it("a version larger than the limit still comes whole", async () => {
    await txn(puts("c", ["x", "y", "z"])); // version 1
    await put(h.app, R, "c", "after", 1); // version 2
    const first = await page(h.app, "?since=0&limit=2");
    assert.deepEqual(
      first.ops.map((op) => `${(op as { key: string }).key}@${(op as { version: number }).version}`),
      ["x@1", "y@1", "z@1"],
    );
    assert.equal(first.cursor, 1);
    assert.equal(first.more, true);
    const second = await page(h.app, "?since=1&limit=2");
    assert.equal(second.ops.length, 1);
    assert.equal(second.more, false);
  });

  it("limit defaults to 1000 ops and goes up to 10000", async () => {
    const keys = Array.from({ length: 1000 }, (_, i) => `k${String(i).padStart(4, "0")}`);
    await txn(puts("c", keys)); // version 1: exactly 1000 ops
    await put(h.app, R, "c", "extra", 1); // version 2
    const byDefault = await page(h.app, "?since=0");
    assert.equal(byDefault.ops.length, 1000);
    assert.equal(byDefault.cursor, 1);
    assert.equal(byDefault.more, true);
    const max = await page(h.app, "?since=0&limit=10000");
    assert.equal(max.ops.length, 1001);
    assert.equal(max.more, false);
  });

  it("reset pages page the same way and converge to the live state", async () => {
    for (const key of ["a", "b", "c", "d"]) await put(h.app, R, "c", key, key);
    await del(h.app, R, "c", "b");
    await txn(puts("d", ["p", "q", "r"]));
    await put(h.app, R, "c", "a", "a-again");
    const { pages, replica } = await follow(h.app, "", 2);
    assert.equal(pages[0]?.reset, true);
    assert.deepEqual(pages[0]?.ops[0], { op: "clear" });
    for (const p of pages.slice(1)) assert.equal(p.reset, false, "the continuation of a reset is incremental");
    assert.ok(pages.length > 2);
    assert.deepEqual(replica, await liveState(h.app, ["c", "d"]));
  });

  it("a paginated reset of a compacted region gets past the floor and converges", async () => {
    // Live rows below the floor, tombstones purged: a reset page cut below the floor would
    // hand out a cursor that is itself stale, and the reader would loop on page one.
    for (const key of ["a", "b", "c", "d"]) await put(h.app, R, "c", key, key); // 1..4
    for (const key of ["t1", "t2"]) await put(h.app, R, "c", key, key); // 5, 6
    await del(h.app, R, "c", "t1"); // 7
    await del(h.app, R, "c", "t2"); // 8
    await put(h.app, R, "c", "e", "e"); // 9
    const compacted = await call(h.app, "POST", `${regionUrl(R)}/compact`, { body: { beforeVersion: 9 } });
    assert.deepEqual(compacted.body, { floor: 8, purged: 2 });
    const { pages, replica } = await follow(h.app, "", 2);
    assert.ok(
      pages.every((p) => p.cursor >= 8),
      "no page hands out a cursor below the floor",
    );
    assert.deepEqual(replica, await liveState(h.app, ["c"]));
  });

  it("an agent that follows pages from any cursor holds exactly the state at the final cursor", async () => {
    // Invariant 2 over HTTP: replay from every cursor with small limits and compare.
    const history: Replica[] = [new Map()];
    const state: Replica = new Map();
    const steps: Array<() => Promise<unknown>> = [
      () => put(h.app, R, "c", "a", 1),
      () => txn([...puts("c", ["b", "c"]), { op: "put", collection: "d", key: "a", value: 2 }]),
      () => del(h.app, R, "c", "a"),
      () => call(h.app, "POST", `${regionUrl(R)}/next-version`),
      () => txn([{ op: "delete", collection: "c", key: "b" }, ...puts("d", ["b", "c", "d", "e"])]),
      () => put(h.app, R, "c", "a", 3),
    ];
    for (const step of steps) {
      await step();
      const snapshot = await liveState(h.app, ["c", "d"]);
      history.push(snapshot);
      state.clear();
      for (const [k, v] of snapshot) state.set(k, v);
    }
    for (let since = 0; since < history.length; since++) {
      for (const limit of [1, 2, 3]) {
        const replica = new Map(history[since]);
        const { pages } = await follow(h.app, `?since=${since}`, limit, replica);
        assert.equal(pages.at(-1)?.cursor, history.length - 1);
        assert.deepEqual(replica, state, `since=${since} limit=${limit}`);
      }
    }
  });

  it("without a limit, a reset and the pages that continue it hold up to 10000 ops; other pages 1000", async () => {
    // 12 versions of 1000 rows each.
    for (let v = 0; v < 12; v++) {
      const keys = Array.from({ length: 1000 }, (_, i) => `k${v * 1000 + i}`);
      assert.equal((await txn(puts("c", keys))).status, 200);
    }
    const reset = await page(h.app, "");
    assert.equal(reset.reset, true);
    assert.equal(reset.ops.length, 1 + 10000);
    assert.deepEqual([reset.cursor, reset.more], [10, true]);
    const rest = await page(h.app, `?since=${reset.cursor}&epoch=${reset.epoch}&resetHead=${reset.head}`);
    assert.deepEqual([rest.ops.length, rest.cursor, rest.more], [2000, 12, false]);
    const incremental = await page(h.app, `?since=0&epoch=${reset.epoch}`);
    assert.deepEqual([incremental.reset, incremental.ops.length, incremental.cursor], [false, 1000, 1]);
    // An explicit limit is kept, for the reset and its continuation alike.
    const asked = await page(h.app, "?limit=2000");
    assert.deepEqual([asked.ops.length, asked.cursor], [1 + 2000, 2]);
    const askedRest = await page(h.app, `?since=2&epoch=${reset.epoch}&resetHead=${reset.head}&limit=3000`);
    assert.deepEqual([askedRest.ops.length, askedRest.cursor], [3000, 5]);
  });
});

describe("GET /v1/regions/{r}/changes?waitMs: long-poll", () => {
  let h: Harness;
  let head: number;
  beforeEach(async () => {
    h = await harness();
    head = await put(h.app, R, "c", "a", 1);
  });
  afterEach(() => h.close());

  it("is woken by a commit and answers with it, long before waitMs", { timeout: 10_000 }, async () => {
    const started = Date.now();
    const pending = call<Page>(h.app, "GET", changes(`?since=${head}&waitMs=60000`));
    await until(() => internalsOf(h.store).notifier.waiting === 1, "the long-poll waits");
    const version = await put(h.app, R, "c", "b", "new");
    const res = await pending;
    assert.equal(res.status, 200);
    assert.deepEqual(res.body.ops, [{ op: "put", collection: "c", key: "b", version, value: "new" }]);
    assert.equal(res.body.cursor, version);
    assert.ok(Date.now() - started < 10_000);
  });

  it("is not woken by a commit in another region", { timeout: 10_000 }, async () => {
    const pending = call<Page>(h.app, "GET", changes(`?since=${head}&waitMs=60000`));
    await until(() => internalsOf(h.store).notifier.waiting === 1, "the long-poll waits");
    await put(h.app, "elsewhere", "c", "a", 1);
    // Commit notifications are delivered before the write is answered.
    assert.equal(internalsOf(h.store).notifier.waiting, 1, "still waiting after another region's commit");
    const version = await put(h.app, R, "c", "b", 2);
    assert.equal((await pending).body.cursor, version);
  });

  it("a version taken without row changes ends the wait with an empty page at the new cursor", { timeout: 10_000 }, async () => {
    const pending = call<Page>(h.app, "GET", changes(`?since=${head}&waitMs=60000`));
    await until(() => internalsOf(h.store).notifier.waiting === 1, "the long-poll waits");
    await call(h.app, "POST", `${regionUrl(R)}/next-version`);
    const res = await pending;
    assert.deepEqual(res.body.ops, []);
    assert.equal(res.body.cursor, head + 1);
    assert.equal(res.body.head, head + 1);
  });

  it("answers at once when something newer already exists, or the cursor needs a reset", { timeout: 10_000 }, async () => {
    await put(h.app, R, "c", "b", 2);
    const newer = await call<Page>(h.app, "GET", changes(`?since=${head}&waitMs=60000`));
    assert.equal(newer.body.ops.length, 1);
    const reset = await call<Page>(h.app, "GET", changes("?waitMs=60000"));
    assert.equal(reset.body.reset, true);
    const foreign = await call<Page>(h.app, "GET", changes(`?since=${head}&epoch=other&waitMs=60000`));
    assert.equal(foreign.body.reset, true);
  });

  it("after waitMs with nothing new, answers an empty page at the same cursor", async () => {
    const started = Date.now();
    const res = await call<Page>(h.app, "GET", changes(`?since=${head}&waitMs=60`));
    assert.ok(Date.now() - started >= 55, "waited about waitMs");
    assert.deepEqual(res.body.ops, []);
    assert.equal(res.body.cursor, head);
    assert.equal(res.body.more, false);
    assert.equal(internalsOf(h.store).notifier.waiting, 0, "the waiter is gone");
  });
});
