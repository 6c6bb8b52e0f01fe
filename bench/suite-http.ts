/**
 * Suite "http": verso's HTTP server (startServer over openStore, synchronous=FULL, group
 * commit on) against a bare node:http server answering a fixed JSON body. Each server
 * runs in its own process pinned to core 0; wrk, pinned to core 1, drives both with the
 * same connections and duration (see pinning.ts). PUT is also measured against verso
 * with group commit off (maxBatch 1). The writes and the read are measured again against
 * verso committing on its writer thread, against the bare server and against verso
 * committing on the event loop.
 *
 * Two more baselines say how far the machine itself lets a server go: the writes against
 * a bare node:http server that answers only after a group fsync (the least a durable
 * write costs on this disk), the read against a bare node:http server that reads the
 * row with one prepared SQLite statement (the least a stored read costs).
 */
import { startChild } from "./child-server.js";
import type { Figure, Sync } from "./figures.js";
import { type HttpLoad, requestsPerSecond } from "./load-wrk.js";
import { compare, sample } from "./measure.js";
import type { Settings } from "./settings.js";
import { tempDir } from "./temp.js";
import { COLLECTION, KEY_SPACE, REGION, VALUE } from "./workload.js";

const ROWS = `/v1/regions/${REGION}/collections/${COLLECTION}/rows`;

export async function httpSuite(settings: Settings): Promise<Figure[]> {
  const temp = tempDir();
  const servers = await Promise.all([
    startChild(["verso", temp.file("verso.db"), "full", "512"], { pinned: true }),
    startChild(["bare"], { pinned: true }),
    startChild(["verso", temp.file("single.db"), "full", "1"], { pinned: true }),
    startChild(["verso", temp.file("threaded.db"), "full", "512", "writer-thread"], { pinned: true }),
    startChild(["bare-fsync", temp.file("bare-fsync.log")], { pinned: true }),
    startChild(["bare-sqlite", temp.file("bare-sqlite.db")], { pinned: true }),
  ]);
  const [verso, bare, single, threaded, bareFsync, bareSqlite] = servers;
  const figures: Figure[] = [];
  const c = settings.httpConnections;
  const measure = async (urls: Record<string, string>, load: HttpLoad): Promise<Record<string, number[]>> => {
    for (const url of Object.values(urls)) await requestsPerSecond(url, load, c, settings.httpWarmupSeconds);
    return sample(
      settings.runs,
      Object.fromEntries(Object.entries(urls).map(([name, url]) => [name, () => requestsPerSecond(url, load, c, settings.httpSeconds)])),
    );
  };
  const figure = (name: string, synchronous: Sync, verso: number[] = [], baseline: number[] = []): Figure => ({
    suite: "http",
    name,
    synchronous,
    unit: "req/s",
    ...compare(verso, baseline),
  });
  try {
    if (!verso || !bare || !single || !threaded || !bareFsync || !bareSqlite) throw new Error("servers did not start");
    const nextVersion = await measure(
      { verso: verso.url, baseline: bare.url, threaded: threaded.url, durable: bareFsync.url },
      { method: "POST", path: `/v1/regions/${REGION}/next-version` },
    );
    figures.push(figure(`POST next-version c=${c} vs bare node:http`, "FULL", nextVersion.verso, nextVersion.baseline));
    figures.push(figure(`POST c=${c} bare node:http + group fsync vs bare node:http`, "FULL", nextVersion.durable, nextVersion.baseline));
    figures.push(figure(`POST next-version c=${c} vs bare node:http + group fsync`, "FULL", nextVersion.verso, nextVersion.durable));
    figures.push(figure(`POST next-version c=${c} writer thread vs bare node:http`, "FULL", nextVersion.threaded, nextVersion.baseline));
    figures.push(figure(`POST next-version c=${c} writer thread vs event loop`, "FULL", nextVersion.threaded, nextVersion.verso));
    const put = await measure(
      { verso: verso.url, baseline: bare.url, single: single.url, threaded: threaded.url, durable: bareFsync.url },
      { method: "PUT", path: `${ROWS}/d{i}`, keys: KEY_SPACE, body: JSON.stringify(VALUE) },
    );
    figures.push(figure(`PUT row c=${c} vs bare node:http`, "FULL", put.verso, put.baseline));
    figures.push(figure(`PUT row c=${c} vs bare node:http + group fsync`, "FULL", put.verso, put.durable));
    figures.push(figure(`PUT row c=${c} group commit vs maxBatch 1`, "FULL", put.verso, put.single));
    figures.push(figure(`PUT row c=${c} writer thread vs bare node:http`, "FULL", put.threaded, put.baseline));
    figures.push(figure(`PUT row c=${c} writer thread vs event loop`, "FULL", put.threaded, put.verso));
    const get = await measure(
      { verso: verso.url, baseline: bare.url, threaded: threaded.url, read: bareSqlite.url },
      { method: "GET", path: `${ROWS}/d1` },
    );
    figures.push(figure(`GET row c=${c} vs bare node:http`, "-", get.verso, get.baseline));
    figures.push(figure(`GET c=${c} bare node:http + SQLite read vs bare node:http`, "-", get.read, get.baseline));
    figures.push(figure(`GET row c=${c} vs bare node:http + SQLite read`, "-", get.verso, get.read));
    figures.push(figure(`GET row c=${c} writer thread vs bare node:http`, "-", get.threaded, get.baseline));
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
    temp.remove();
  }
  return figures;
}
