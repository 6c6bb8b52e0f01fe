/**
 * Suite "replicache" (run when named: `npm run bench -- --only replicache`): verso's
 * Replicache endpoints against verso's own API for the same work, server in a child
 * process (SQLite, synchronous=FULL).
 * - a reset pull of the whole region (cookie null, one patch) vs paging through
 *   GET /changes from 0 with limit=10000; the client parses every response;
 * - a pull of one change (cookie one version behind) vs GET /changes one version behind,
 *   both driven by wrk on core 1 against the server pinned to core 0 (pinning.ts);
 * - a push of 1,000 put mutations in one request (1,000 versions, the client's last
 *   mutation id stored with them) vs one 1,000-op transaction (one version).
 */
import assert from "node:assert/strict";
import { performance } from "node:perf_hooks";
import { startChild } from "./child-server.js";
import type { Figure } from "./figures.js";
import { type HttpLoad, requestsPerSecond } from "./load-wrk.js";
import { closedLoop, versus } from "./measure.js";
import { RawSqlite } from "./raw-sqlite.js";
import type { Settings } from "./settings.js";
import { populate } from "./suite-feed.js";
import { tempDir } from "./temp.js";
import { VALUE } from "./workload.js";

const REGION = "space-1";
const PUSH_REGION = "space-2";
const BATCH = 1000;

async function post(url: string, body: unknown): Promise<unknown> {
  const response = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  if (!response.ok) throw new Error(`${url} answered ${response.status}: ${await response.text()}`);
  return response.json();
}

function pullBody(cookie: unknown) {
  return { pullVersion: 1, schemaVersion: "", profileID: "bench", clientGroupID: "bench-group", cookie };
}

async function pullRows(url: string, cookie: unknown): Promise<number> {
  const response = (await post(`${url}/v1/regions/${REGION}/replicache/pull`, pullBody(cookie))) as { patch: unknown[] };
  return response.patch.length;
}

async function changesRows(url: string, since: number, limit: number): Promise<number> {
  let rows = 0;
  for (;;) {
    const response = await fetch(`${url}/v1/regions/${REGION}/changes?since=${since}&limit=${limit}`);
    if (!response.ok) throw new Error(`changes answered ${response.status}`);
    const page = (await response.json()) as { ops: unknown[]; cursor: number; more: boolean };
    rows += page.ops.length;
    if (!page.more) return rows;
    since = page.cursor;
  }
}

async function perSecond(count: () => Promise<number>, expected: number): Promise<number> {
  const start = performance.now();
  const n = await count();
  if (n !== expected) throw new Error(`read ${n} rows, expected ${expected}`);
  return (n / (performance.now() - start)) * 1000;
}

export async function replicacheSuite(settings: Settings): Promise<Figure[]> {
  const temp = tempDir();
  const rows = settings.quick ? 20_000 : 100_000;
  const raw = new RawSqlite(temp.file("replicache.db"));
  populate(raw, rows, REGION);
  raw.close();
  // Pinned to core 0, so that wrk (core 1) measures the server alone for the small pulls.
  const server = await startChild(["verso", temp.file("replicache.db"), "full", "512"], { pinned: true });
  const figures: Figure[] = [];
  const n = `${Math.round(rows / 1000)}k`;
  const figure = (name: string, unit: string, result: { verso: number; baseline: number; ratio: number }) =>
    figures.push({ suite: "replicache", name, synchronous: unit === "mutations/s" ? "FULL" : "-", unit, ...result });
  try {
    const url = server.url;
    await pullRows(url, null);
    await changesRows(url, 0, 10_000);
    figure(
      `pull reset ${n} rows vs changes limit=10000`,
      "rows/s",
      await versus(
        settings.runs,
        () => perSecond(() => pullRows(url, null), rows + 1),
        () => perSecond(() => changesRows(url, 0, 10_000), rows),
      ),
    );

    // A cookie one version behind the head: every pull answers one change.
    await fetch(`${url}/v1/regions/${REGION}/collections/deployments/rows/latest`, { method: "PUT", body: JSON.stringify(VALUE) });
    const head = (await (await fetch(`${url}/v1/regions/${REGION}`)).json()) as { version: number; epoch: string };
    const cookie = { order: head.version - 1, version: head.version - 1, epoch: head.epoch };
    const ms = settings.httpSeconds * 1000;
    // Checked once by a real client, then driven by wrk: a Node client in this process would
    // add its own POST-versus-GET cost and share the cores with the server.
    assert.equal(await pullRows(url, cookie), 1);
    assert.equal(await changesRows(url, head.version - 1, 1000), 1);
    const pull: HttpLoad = { method: "POST", path: `/v1/regions/${REGION}/replicache/pull`, body: JSON.stringify(pullBody(cookie)) };
    const changes: HttpLoad = { method: "GET", path: `/v1/regions/${REGION}/changes?since=${head.version - 1}&limit=1000` };
    figure(
      "pull of 1 change vs changes of 1 change (wrk c=8)",
      "requests/s",
      await versus(
        settings.runs,
        () => requestsPerSecond(url, pull, 8, settings.httpSeconds),
        () => requestsPerSecond(url, changes, 8, settings.httpSeconds),
      ),
    );

    let nextId = 1;
    const push = async () => {
      const mutations = Array.from({ length: BATCH }, (_, i) => ({
        clientID: "bench-client",
        id: nextId + i,
        name: "put",
        args: { key: `deployments/item-${i}`, value: { ...VALUE, revision: nextId + i } },
        timestamp: 0,
      }));
      nextId += BATCH;
      await post(`${url}/v1/regions/${PUSH_REGION}/replicache/push`, {
        pushVersion: 1,
        schemaVersion: "",
        profileID: "bench",
        clientGroupID: "bench-group",
        mutations,
      });
    };
    let revision = 0;
    const transaction = async () => {
      revision += BATCH;
      const ops = Array.from({ length: BATCH }, (_, i) => ({
        op: "put",
        collection: "deployments",
        key: `item-${i}`,
        value: { ...VALUE, revision: revision + i },
      }));
      await post(`${url}/v1/regions/${PUSH_REGION}/transactions`, { ops });
    };
    await push();
    await transaction();
    figure(
      `push of ${BATCH} mutations vs a ${BATCH}-op transaction`,
      "mutations/s",
      await versus(
        settings.runs,
        async () => (await closedLoop(1, ms, push)) * BATCH,
        async () => (await closedLoop(1, ms, transaction)) * BATCH,
      ),
    );
  } finally {
    await server.stop();
    temp.remove();
  }
  return figures;
}
