/**
 * Shared setup of the HTTP tests: the Fastify app in-process (`app.inject`) over an
 * in-memory store, plus the assertions every area needs (error bodies, "changed nothing").
 */
import assert from "node:assert/strict";
import type { FastifyInstance, InjectOptions } from "fastify";
import type { VersoStore } from "../../src/core/store.js";
import { internalsOf } from "../../src/core/store-internals.js";
import { type OpenStoreOptions, openStore } from "../../src/open-store.js";
import type { ErrorCode } from "../../src/protocol/errors.js";
import type { Region } from "../../src/protocol/types.js";
import { buildApp } from "../../src/server/app.js";
import { until } from "../support/until.js";

export { until };

export interface Harness {
  app: FastifyInstance;
  store: VersoStore;
  /** Lines the server logged (internal errors land here, never in responses). */
  logs: string[];
  close: () => Promise<void>;
}

export interface HarnessOptions {
  maxRequestBytes?: number;
  store?: OpenStoreOptions;
}

export async function harness(options: HarnessOptions = {}): Promise<Harness> {
  const store = await openStore({ path: ":memory:", maintenanceIntervalMs: 0, ...options.store });
  const logs: string[] = [];
  const app = buildApp({
    store,
    log: (line) => logs.push(line),
    ...(options.maxRequestBytes !== undefined && { maxRequestBytes: options.maxRequestBytes }),
  });
  await app.ready();
  return {
    app,
    store,
    logs,
    close: async () => {
      await app.close();
      await store.close();
    },
  };
}

export interface Reply<T> {
  status: number;
  headers: Record<string, string | string[] | number | undefined>;
  body: T;
  text: string;
}

export interface CallOptions {
  /** Sent as JSON. */
  body?: unknown;
  /** Sent as is (bad JSON, huge bodies). */
  raw?: string;
  headers?: Record<string, string>;
}

type Method = NonNullable<InjectOptions["method"]>;

/** One request; the JSON response is parsed but not checked (`T` is the caller's claim). */
export async function call<T = unknown>(app: FastifyInstance, method: Method, url: string, options: CallOptions = {}): Promise<Reply<T>> {
  const payload = options.raw ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
  const headers = { ...(payload !== undefined && { "content-type": "application/json" }), ...options.headers };
  const res = await app.inject({ method, url, headers, ...(payload !== undefined && { payload }) });
  return { status: res.statusCode, headers: res.headers, body: (res.body === "" ? undefined : JSON.parse(res.body)) as T, text: res.body };
}

export const regionUrl = (region: string) => `/v1/regions/${encodeURIComponent(region)}`;
export const rowsUrl = (region: string, collection: string) => `${regionUrl(region)}/collections/${encodeURIComponent(collection)}/rows`;
export const rowUrl = (region: string, collection: string, key: string) => `${rowsUrl(region, collection)}/${encodeURIComponent(key)}`;

/** PUT a row and insist it worked; returns the new version. */
export async function put(app: FastifyInstance, region: string, collection: string, key: string, value: unknown): Promise<number> {
  const res = await call<{ version: number }>(app, "PUT", rowUrl(region, collection, key), { body: value });
  assert.equal(res.status, 200, res.text);
  return res.body.version;
}

export async function del(app: FastifyInstance, region: string, collection: string, key: string): Promise<number> {
  const res = await call<{ version: number }>(app, "DELETE", rowUrl(region, collection, key));
  assert.equal(res.status, 200, res.text);
  return res.body.version;
}

export async function regionOf(app: FastifyInstance, region: string): Promise<Region> {
  const res = await call<Region>(app, "GET", regionUrl(region));
  assert.equal(res.status, 200, res.text);
  return res.body;
}

/**
 * Asserts the contract's error shape exactly: `{"error": {"code", "message"}}` and no
 * other fields than `extra` (the contract's `current`, `failures`, `supported`…).
 */
export function assertError(res: Reply<unknown>, status: number, code: ErrorCode, extra: Record<string, unknown> = {}): void {
  assert.equal(res.status, status, `expected ${status} ${code}, got ${res.status} ${res.text}`);
  assert.match(String(res.headers["content-type"]), /^application\/json/);
  const { error, ...rest } = res.body as { error: { code: unknown; message: unknown } };
  assert.deepEqual(Object.keys(error).sort(), ["code", "message"]);
  assert.equal(error.code, code);
  assert.equal(typeof error.message, "string");
  assert.ok((error.message as string).length > 0, "the message must say something");
  assert.deepEqual(rest, extra);
}

/** Everything a client can observe: every region and its whole feed (tombstones included). */
export async function stateOf(app: FastifyInstance): Promise<unknown> {
  const regions = (await call<{ regions: Region[] }>(app, "GET", "/v1/regions")).body.regions;
  const feeds: unknown[] = [];
  for (const r of regions) feeds.push((await call(app, "GET", `${regionUrl(r.region)}/changes?since=0&limit=10000`)).body);
  return { regions, feeds };
}

/** Runs a request that must be refused and checks it left every region as it was. */
export async function assertUnchanged<T>(app: FastifyInstance, action: () => Promise<T>): Promise<T> {
  const before = await stateOf(app);
  const result = await action();
  assert.deepEqual(await stateOf(app), before, "a refused request changed state");
  return result;
}

/**
 * Waits for a condition no event announces (such as "a reader is now blocked in a
 * long-poll"), failing after a deadline instead of hanging.
 */
/** Records the size of every batch the store hands to storage (to see group commit at work). */
export function recordBatches(store: VersoStore): number[] {
  const sizes: number[] = [];
  const storage = internalsOf(store).storage;
  const write = storage.write.bind(storage);
  storage.write = (batch) => {
    sizes.push(batch.length);
    return write(batch);
  };
  return sizes;
}
