/**
 * A bounded fuzz run: a few thousand hostile requests (hostile-requests.ts, fixed seed)
 * over real sockets to a listening server. Every answer must be a 2xx-4xx, carry the
 * protocol header and, when it is an error, the contract's body; and region versions
 * must move only by the writes that were answered 2xx.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { seededRandom } from "../../src/checker/random.js";
import type { VersoStore } from "../../src/core/store.js";
import { openStore } from "../../src/open-store.js";
import type { Region } from "../../src/protocol/types.js";
import { type RunningServer, startServer } from "../../src/server/serve.js";
import { contractError, rawExchange } from "../support/raw-http.js";
import { FUZZ_REGIONS, type HostileRequest, hostileRequest } from "./hostile-requests.js";

const SEED = 20_261_202;
const REQUESTS = 3_000;
const BATCH = 50;
const IN_FLIGHT = 8;

describe("hostile requests over real sockets", () => {
  let store: VersoStore;
  let server: RunningServer;
  let port: number;
  const logs: string[] = [];
  before(async () => {
    store = await openStore({ path: ":memory:", maintenanceIntervalMs: 0 });
    server = await startServer({ store, port: 0, log: (line) => logs.push(line) });
    port = Number(new URL(server.url).port);
  });
  after(async () => {
    server.app.server.closeAllConnections();
    await server.stop();
    await store.close();
  });

  async function versions(): Promise<Map<string, number>> {
    const res = await fetch(`${server.url}/v1/regions`);
    const { regions } = (await res.json()) as { regions: Region[] };
    return new Map(regions.map((r) => [r.region, r.version]));
  }

  /** Sends one request and checks its answer; returns the region it took a version in, if any. */
  async function exchange(request: HostileRequest): Promise<string | undefined> {
    const answer = await rawExchange(port, request.bytes, { head: request.method === "HEAD", timeoutMs: 10_000 });
    assert.ok(answer, `no answer to ${request.label}`);
    assert.ok(answer.status >= 200 && answer.status < 500, `${answer.status} ${answer.body.slice(0, 300)} for ${request.label}`);
    assert.match(answer.headers["verso-protocol"] ?? "", /^[12]$/, `no verso-protocol header for ${request.label}`);
    if (answer.status >= 400 && request.method !== "HEAD") contractError(answer, request.label);
    const replayed = answer.headers["idempotency-replayed"] === "true";
    return answer.status < 300 && request.takesVersion && !replayed ? request.region : undefined;
  }

  it(`${REQUESTS} requests (seed ${SEED}): no 5xx, the contract's body on every refusal, no change from refusals`, {
    timeout: 60_000,
  }, async () => {
    const random = seededRandom(SEED);
    let expected = await versions();
    for (let start = 0; start < REQUESTS; start += BATCH) {
      const batch = Array.from({ length: BATCH }, (_, i) => hostileRequest(random, start + i));
      const written: string[] = [];
      for (let i = 0; i < batch.length; i += IN_FLIGHT) {
        const answers = await Promise.all(batch.slice(i, i + IN_FLIGHT).map(exchange));
        for (const region of answers) if (region !== undefined) written.push(region);
      }
      for (const region of written) expected.set(region, (expected.get(region) ?? 0) + 1);
      const actual = await versions();
      assert.deepEqual(
        Object.fromEntries(actual),
        Object.fromEntries(expected),
        `versions moved by other than the accepted writes in requests ${start}-${start + BATCH - 1}`,
      );
      expected = actual;
    }
    assert.deepEqual(
      logs.filter((line) => line.startsWith("internal error")),
      [],
    );
    // The run is only worth something if it reached the stores as well as the parser.
    const final = await versions();
    for (const region of FUZZ_REGIONS) assert.ok((final.get(region) ?? 0) > 0, `no write reached ${region}`);
  });
});
