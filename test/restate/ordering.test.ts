/**
 * Invariant 2 on the Restate path. Seed 000's way (allocate with NextVersion, write
 * the row afterwards) lets a slow writer commit below an agent's cursor; the
 * RegionWriter (allocate and write in one exclusive, journaled step) does not.
 * The slow writers hold their commit until the agent has moved past their version,
 * the worst interleaving, bounded by a deadline.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { RestateAdmin } from "../../src/restate/admin.js";
import { type RunningEndpoint, startEndpoint } from "../../src/restate/endpoint.js";
import { type FeedRow, FeedTable } from "../../src/restate/feed-table.js";
import { callIngress, RestateIngressError } from "../../src/restate/ingress.js";
import { ingressVersionCounter } from "../../src/restate/ingress-counter.js";
import { checkOrdering, FeedReader } from "../../src/restate/ordering-check.js";
import { REGION_WRITER } from "../../src/restate/region-writer.js";
import { type RestateServer, startRestateServer } from "./harness.js";

const WRITERS = 4;
const WRITES_PER_WRITER = 8;

describe("ordering of commits per region on Restate", () => {
  let server: RestateServer;
  let endpoint: RunningEndpoint;
  let dir: string;
  let endpointFeed: FeedTable;
  let agentFeed: FeedTable;
  // The delay hook inside RegionWriter consults the reader of the test that is running.
  let slowWrite: (row: FeedRow) => Promise<void> = async () => {};

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "verso-restate-feed-"));
    endpointFeed = new FeedTable(join(dir, "feed.db"));
    agentFeed = new FeedTable(join(dir, "feed.db"));
    server = await startRestateServer();
    endpoint = await startEndpoint({ port: 0, feed: endpointFeed, beforeWrite: (row) => slowWrite(row), logLevel: "error" });
    await new RestateAdmin(server.admin).register(endpoint.url);
  });

  after(async () => {
    await endpoint?.stop();
    await server?.stop();
    endpointFeed?.close();
    agentFeed?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const agent = (region: string) => new FeedReader((cursor) => agentFeed.since(region, cursor).map((row) => row.version));

  test("allocate-then-write (VersioningService.nextVersion, then the row) skips versions", async () => {
    const region = "naive";
    const reader = agent(region);
    const counter = ingressVersionCounter({ ingress: server.ingress });
    const report = await checkOrdering({
      reader,
      writers: WRITERS,
      writesPerWriter: WRITES_PER_WRITER,
      write: async (writer, index) => {
        const version = await counter.next(region);
        if (writer === 0) await reader.cursorPast(version, 300);
        endpointFeed.write({ region, collection: "deployments", key: `w${writer}-${index}`, version, value: { writer, index } });
      },
    });
    assert.equal(report.ok, false);
    assert.ok(report.missed.length > 0, `expected skipped versions: ${JSON.stringify(report)}`);
    // Each skipped version sits below the cursor: the agent will never ask for it again.
    for (const version of report.missed) assert.ok(version < report.cursor);
  });

  test("RegionWriter commits in version order: the agent never passes a version it did not see", async () => {
    const region = "safe";
    const reader = agent(region);
    let passedInFlight = 0;
    let slowed = 0;
    slowWrite = async (row) => {
      if (row.region !== region || !row.key.startsWith("w0-")) return;
      slowed++;
      if (await reader.cursorPast(row.version, 100)) passedInFlight++;
    };
    const report = await checkOrdering({
      reader,
      writers: WRITERS,
      writesPerWriter: WRITES_PER_WRITER,
      write: async (writer, index) => {
        await callIngress(server.ingress, {
          service: REGION_WRITER,
          key: region,
          handler: "write",
          body: { collection: "deployments", key: `w${writer}-${index}`, value: { writer, index } },
        });
      },
    });
    assert.deepEqual(report.missed, []);
    assert.deepEqual(report.disorder, []);
    assert.equal(report.ok, true);
    assert.ok(slowed >= WRITES_PER_WRITER, `the slow writer ran ${slowed} times`);
    assert.equal(passedInFlight, 0, "the agent moved past a version still being written");
    assert.equal(report.cursor, WRITERS * WRITES_PER_WRITER);
    assert.deepEqual(
      agentFeed.since(region, 0).map((row) => row.version),
      Array.from({ length: WRITERS * WRITES_PER_WRITER }, (_, i) => i + 1),
    );
  });

  test("RegionWriter: a retried write (same idempotency key) keeps its version; bad input is a 400 and writes nothing", async () => {
    const region = "retry";
    const write = (body: unknown, idempotencyKey?: string) =>
      callIngress<{ version: number }>(server.ingress, {
        service: REGION_WRITER,
        key: region,
        handler: "write",
        body,
        ...(idempotencyKey !== undefined && { idempotencyKey }),
      });
    const row = { collection: "deployments", key: "d1", value: { image: "v1" } };
    const answers = await Promise.all([write(row, "k1"), write(row, "k1"), write(row, "k1")]);
    assert.deepEqual(
      answers.map((a) => a.version),
      [1, 1, 1],
    );
    assert.equal((await write({ ...row, value: { image: "v2" } }, "k2")).version, 2);
    for (const bad of [
      { ...row, collection: "has space" },
      { ...row, key: 7 },
      { collection: "deployments", key: "d2" },
    ]) {
      await assert.rejects(write(bad), (e: unknown) => e instanceof RestateIngressError && e.status === 400, JSON.stringify(bad));
    }
    assert.deepEqual(
      agentFeed.since(region, 0).map((r) => [r.key, r.version, r.value]),
      [["d1", 2, { image: "v2" }]],
    );
    assert.equal(
      (await callIngress<{ version: number }>(server.ingress, { service: REGION_WRITER, key: region, handler: "getVersion" })).version,
      2,
    );
  });
});
