/**
 * @electric-sql/client 1.5 (ShapeStream, Shape) against a listening verso, on SQLite
 * and on PostgreSQL: snapshots, paging, live changes, resuming, refetch after compaction.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { FetchError, Shape, ShapeStream } from "@electric-sql/client";
import type { Json } from "../../src/protocol/types.js";
import { SKIP_POSTGRES } from "../postgres/pg-env.js";
import { BACKENDS, collectionRows, Mirror, type Served, sameRows } from "./shape-mirror.js";

for (const backend of BACKENDS) {
  describe(`Electric shapes on ${backend.name}`, { skip: backend.name === "postgres" && SKIP_POSTGRES }, () => {
    let served: Served;
    const mirrors: Mirror[] = [];
    const follow = (region: string, table: string, options = {}) => {
      const mirror = new Mirror(served.shapeUrl(region), table, options);
      mirrors.push(mirror);
      return mirror;
    };
    before(async () => {
      served = await backend.serve();
    });
    after(async () => {
      for (const mirror of mirrors) mirror.stop();
      await served.close();
    });

    it("two shapes on different collections follow inserts, updates and deletes live", async () => {
      const { store } = served;
      await store.transact("two", [
        { op: "put", collection: "hosts", key: "h1", value: { up: true } },
        { op: "put", collection: "routes", key: "r1", value: ["a"] },
      ]);
      const hosts = follow("two", "hosts");
      const routes = follow("two", "routes");
      await hosts.reaches(new Map<string, Json>([["h1", { up: true }]]));
      await routes.reaches(new Map<string, Json>([["r1", ["a"]]]));

      await store.put("two", "hosts", "h2", { up: false });
      await store.put("two", "hosts", "h1", { up: false, note: "drain" });
      await store.put("two", "routes", "r2", "text value");
      await store.delete("two", "routes", "r1");
      await hosts.reaches(await collectionRows(store, "two", "hosts"));
      await routes.reaches(await collectionRows(store, "two", "routes"));
      assert.deepEqual(routes.rows, new Map([["r2", "text value"]]));
      assert.deepEqual(
        hosts.operations.map((o) => `${o.operation} ${o.key}`),
        ["insert h1", "insert h2", "update h1"],
      );
      assert.deepEqual(
        routes.operations.map((o) => `${o.operation} ${o.key}`),
        ["insert r1", "insert r2", "delete r1"],
      );
      assert.deepEqual([...hosts.duplicateInserts, ...routes.duplicateInserts], []);
    });

    it("a shape of a region never written is empty and up to date, then follows the region's first writes", async () => {
      const mirror = follow("fresh", "c");
      await mirror.reaches(new Map());
      await served.store.put("fresh", "c", "k", { first: true });
      await mirror.reaches(new Map<string, Json>([["k", { first: true }]]));
      assert.equal(mirror.refetches, 0);
      assert.deepEqual(mirror.operations, [{ operation: "insert", key: "k" }]);
    });

    it("pages a snapshot larger than a page, and the Shape class holds every row", async () => {
      const { store } = served;
      for (let batch = 0; batch < 5; batch++) {
        const ops = Array.from({ length: 500 }, (_, i) => ({
          op: "put" as const,
          collection: "big",
          key: `k${String(batch * 500 + i).padStart(5, "0")}`,
          value: { n: batch * 500 + i },
        }));
        await store.transact("paged", ops);
      }
      const mirror = follow("paged", "big");
      await mirror.reaches(await collectionRows(store, "paged", "big"));
      assert.ok(mirror.statuses.length >= 3, `a 2,500-row snapshot takes several 1,000-row pages (${mirror.statuses.length} requests)`);
      assert.deepEqual(mirror.duplicateInserts, []);

      const controller = new AbortController();
      const stream = new ShapeStream<{ key: string; value: Json }>({
        url: served.shapeUrl("paged"),
        params: { table: "big" },
        signal: controller.signal,
      });
      // The client's own declarations disagree under exactOptionalPropertyTypes (shapeHandle).
      const shape = new Shape<{ key: string; value: Json }>(stream as never);
      const rows = await shape.rows;
      controller.abort();
      assert.equal(rows.length, 2500);
      assert.deepEqual(
        rows.find((row) => row.key === "k01234"),
        { key: "k01234", value: { n: 1234 } },
      );
      shape.unsubscribeAll();
      stream.unsubscribeAll();
    });

    it("a snapshot paged while writes land ends equal to the collection, without a duplicate insert", async () => {
      const { store } = served;
      const ops = Array.from({ length: 3000 }, (_, i) => ({ op: "put" as const, collection: "moving", key: `m${i}`, value: i }));
      for (let i = 0; i < 3000; i += 300) await store.transact("moving", ops.slice(i, i + 300));
      const mirror = follow("moving", "moving");
      // Writes between the snapshot's pages: rows already sent, rows not yet sent, deletes and re-creations of both.
      const writer = (async () => {
        for (let round = 0; round < 30 && mirror.upToDates === 0; round++) {
          await store.transact("moving", [
            { op: "put", collection: "moving", key: `m${round}`, value: { round } },
            { op: "put", collection: "moving", key: `m${2999 - round}`, value: { round } },
            { op: "delete", collection: "moving", key: `m${1000 + round}` },
          ]);
          await store.put("moving", "moving", `m${1000 + round}`, { back: round });
          await new Promise((resolve) => setImmediate(resolve));
        }
      })();
      await writer;
      await mirror.reaches(await collectionRows(store, "moving", "moving"));
      assert.deepEqual(mirror.duplicateInserts, []);
    });

    it("resumes from a saved handle and offset, receiving only what changed", async () => {
      const { store } = served;
      await store.put("resume", "c", "a", 1);
      await store.put("resume", "c", "b", 2);
      const first = follow("resume", "c");
      await first.reaches(await collectionRows(store, "resume", "c"));
      first.stop();
      const saved = { handle: first.handle, offset: first.offset, rows: new Map(first.rows) };
      assert.ok(saved.handle);

      await store.put("resume", "c", "a", 10);
      await store.delete("resume", "c", "b");
      await store.put("resume", "c", "c", 3);
      const resumed = follow("resume", "c", { handle: saved.handle, offset: saved.offset });
      const expected = await collectionRows(store, "resume", "c");
      // The resumed stream starts from the saved copy: apply its messages on top of it.
      for (const [key, value] of saved.rows) resumed.rows.set(key, value);
      await resumed.reaches(expected);
      assert.deepEqual(
        resumed.operations.map((o) => `${o.operation} ${o.key}`),
        ["update a", "delete b", "insert c"],
      );
      assert.equal(resumed.refetches, 0);
      assert.deepEqual(
        resumed.statuses.filter((s) => s !== 200),
        [],
      );
    });

    it("after compaction passed a saved offset: 409, a new handle, and a consistent refetch", async () => {
      const { store } = served;
      await store.transact("compacted", [
        { op: "put", collection: "c", key: "x", value: 1 },
        { op: "put", collection: "c", key: "y", value: 2 },
        { op: "put", collection: "c", key: "z", value: 3 },
      ]);
      const first = follow("compacted", "c");
      await first.reaches(await collectionRows(store, "compacted", "c"));
      first.stop();

      await store.delete("compacted", "c", "x");
      await store.put("compacted", "c", "w", 4);
      const { floor } = await store.compact("compacted", { retainVersions: 0 });
      assert.ok(floor > Number(String(first.offset).split("_")[0]));

      const resumed = follow("compacted", "c", { handle: first.handle, offset: first.offset });
      for (const [key, value] of first.rows) resumed.rows.set(key, value);
      await resumed.reaches(await collectionRows(store, "compacted", "c"));
      assert.equal(resumed.statuses[0], 409);
      assert.equal(resumed.refetches, 1);
      assert.notEqual(resumed.handle, first.handle);
      assert.deepEqual(
        resumed.rows,
        new Map<string, Json>([
          ["y", 2],
          ["z", 3],
          ["w", 4],
        ]),
      );
      assert.deepEqual(resumed.duplicateInserts, []);
    });

    it("a row deleted and written again after the offset ends right: delete, then insert", async () => {
      const { store } = served;
      await store.put("reborn", "c", "k", { life: 1 });
      const mirror = follow("reborn", "c");
      await mirror.reaches(new Map<string, Json>([["k", { life: 1 }]]));
      mirror.stop();
      await store.delete("reborn", "c", "k");
      await store.put("reborn", "c", "k", { life: 2 });
      const resumed = follow("reborn", "c", { handle: mirror.handle, offset: mirror.offset });
      resumed.rows.set("k", { life: 1 });
      await resumed.reaches(new Map<string, Json>([["k", { life: 2 }]]));
      assert.deepEqual(
        resumed.operations.map((o) => `${o.operation} ${o.key}`),
        ["delete k", "insert k"],
      );
      assert.deepEqual(resumed.duplicateInserts, []);
    });

    it("refuses a where clause with 400 and the contract's error body", async () => {
      const response = await fetch(`${served.shapeUrl("any")}?table=c&offset=-1&where=${encodeURIComponent("id = 1")}`);
      assert.equal(response.status, 400);
      const body = (await response.json()) as { error: { code: string; message: string } };
      assert.equal(body.error.code, "bad_request");
      assert.match(body.error.message, /where is not supported/);

      const controller = new AbortController();
      const stream = new ShapeStream({ url: served.shapeUrl("any"), params: { table: "c", where: "id = 1" }, signal: controller.signal });
      const failed = await new Promise<unknown>((resolve) => {
        stream.subscribe(
          () => {},
          (error) => resolve(error),
        );
      });
      controller.abort();
      stream.unsubscribeAll();
      assert.ok(failed instanceof FetchError && failed.status === 400, String(failed));
    });

    it("serves columns=key without values and refuses what it does not serve, naming it", async () => {
      await served.store.put("params", "c", "k", { big: "value" });
      const keysOnly = await fetch(`${served.shapeUrl("params")}?table=c&offset=-1&columns=${encodeURIComponent('"key"')}`);
      assert.equal(keysOnly.status, 200);
      assert.deepEqual(await keysOnly.json(), [
        { headers: { operation: "insert" }, key: '"c"/"k"', value: { key: "k" } },
        { headers: { control: "up-to-date" } },
      ]);
      const refused: Array<[string, RegExp]> = [
        ["table=c&offset=-1&log=changes_only", /log=changes_only is not supported/],
        ["table=c&offset=-1&live_sse=true", /live_sse is not supported/],
        ["table=c&offset=-1&subset__limit=5", /subset__limit is not supported/],
        ["table=c&offset=-1&colour=blue", /colour is not a parameter/],
        ["table=c&offset=-1&columns=id", /"id" is not a column/],
        ["table=c&offset=3_0", /needs the handle/],
        ["table=c&offset=abc", /offset must be/],
        ["table=c&offset=-1&live=true", /live=true needs/],
        ["table=c&offset=0_0&handle=nonsense", /not a handle/],
        ["offset=-1", /table is required/],
        ["table=no%2Fslash&offset=-1", /collection/],
      ];
      for (const [query, message] of refused) {
        const response = await fetch(`${served.shapeUrl("params")}?${query}`);
        const body = (await response.json()) as { error: { code: string; message: string } };
        assert.equal(response.status, 400, query);
        assert.equal(body.error.code, "bad_request", query);
        assert.match(body.error.message, message, query);
      }
    });

    it("a 409 carries the contract's error body and the electric-handle header", async () => {
      await served.store.put("gone", "c", "k", 1);
      const response = await fetch(`${served.shapeUrl("gone")}?table=c&offset=0_0&handle=${encodeURIComponent("0.tag.otherEpoch")}`);
      assert.equal(response.status, 409);
      const body = (await response.json()) as { error: { code: string }; handle: string };
      assert.equal(body.error.code, "must_refetch");
      assert.equal(response.headers.get("electric-handle"), body.handle);
      assert.notEqual(body.handle, "0.tag.otherEpoch");
    });

    it("mirrors converge with the store after interleaved writes", async () => {
      const { store } = served;
      const mirror = follow("mixed", "c");
      for (let i = 0; i < 40; i++) {
        const key = `k${i % 7}`;
        if (i % 5 === 4) await store.delete("mixed", "c", key).catch(() => {});
        else await store.put("mixed", "c", key, { i });
        if (i % 3 === 0) await store.put("mixed", "other", key, i);
      }
      await mirror.reaches(await collectionRows(store, "mixed", "c"));
      assert.ok(sameRows(mirror.rows, await collectionRows(store, "mixed", "c")));
      assert.deepEqual(mirror.duplicateInserts, []);
    });
  });
}

describe("Electric shapes with scoped tokens", () => {
  const ADMIN = "admin-secret-0123456789abcdef";
  let served: Served;
  const mirrors: Mirror[] = [];
  before(async () => {
    served = await (BACKENDS[0] as (typeof BACKENDS)[number]).serve(ADMIN);
  });
  after(async () => {
    for (const mirror of mirrors) mirror.stop();
    await served.close();
  });

  const readToken = async (regions: string[]): Promise<string> => {
    const response = await fetch(`${served.server.url}/v1/tokens`, {
      method: "POST",
      headers: { authorization: `Bearer ${ADMIN}`, "content-type": "application/json" },
      body: JSON.stringify({ role: "read", regions }),
    });
    assert.equal(response.status, 201);
    return ((await response.json()) as { token: string }).token;
  };

  it("a read token of the region follows the shape through the client's headers; another region's token is refused", async () => {
    await served.store.put("r1", "c", "k", 1);
    const token = await readToken(["r1"]);
    const mirror = new Mirror(served.shapeUrl("r1"), "c", { headers: { Authorization: `Bearer ${token}` } });
    mirrors.push(mirror);
    await mirror.reaches(new Map<string, Json>([["k", 1]]));
    await served.store.put("r1", "c", "k", 2);
    await mirror.reaches(new Map<string, Json>([["k", 2]]));

    const elsewhere = new Mirror(served.shapeUrl("r1"), "c", { headers: { Authorization: `Bearer ${await readToken(["r2"])}` } });
    mirrors.push(elsewhere);
    await assert.rejects(elsewhere.reaches(new Map()), (error: unknown) => error instanceof FetchError && error.status === 403);
    const anonymous = await fetch(`${served.shapeUrl("r1")}?table=c&offset=-1`);
    assert.equal(anonymous.status, 401);
  });
});
