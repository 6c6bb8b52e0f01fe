/**
 * Typed client for HTTP API v1. Every write carries an Idempotency-Key (generated when
 * the caller gives none), so transient failures are retried safely with jittered
 * exponential backoff; contract errors are thrown as the protocol's typed classes.
 */
import { randomUUID } from "node:crypto";
import { errorFromBody, VersoError } from "../protocol/errors.js";
import type {
  CompactRequest,
  CompactResult,
  DeleteResult,
  Json,
  NextVersionResult,
  Page,
  PutResult,
  Region,
  Row,
  RowList,
  TxnOp,
  TxnResult,
} from "../protocol/types.js";
import { PROTOCOL_MAX } from "../protocol/version.js";

export interface ClientOptions {
  /** Base URL, e.g. http://127.0.0.1:7070 */
  server: string;
  token?: string;
  /** Attempts after the first for transient failures (network errors, 503). Default 4. */
  retries?: number;
  /** First backoff delay in ms; doubles per attempt, with jitter, up to 5 s. Default 100. */
  backoffMs?: number;
  fetch?: typeof fetch;
}

export interface WriteOpts {
  idempotencyKey?: string;
}

export interface ConditionalOpts extends WriteOpts {
  /** Expected version (If-Match); 0 = must be absent (If-None-Match: *). */
  ifVersion?: number;
}

export interface ChangesParams {
  since?: number;
  epoch?: string;
  /** While a reset spans pages: the head of its first page, so the following pages continue it. */
  resetHead?: number;
  limit?: number;
  waitMs?: number;
}

interface Call {
  method: string;
  path: string;
  query?: Record<string, string | number | undefined>;
  body?: unknown;
  headers?: Record<string, string>;
  write?: WriteOpts;
  signal?: AbortSignal;
}

export interface Response<T> {
  body: T;
  status: number;
  headers: Headers;
}

const seg = encodeURIComponent;

export class VersoClient {
  private readonly base: string;
  private readonly fetchImpl: typeof fetch;

  constructor(private readonly options: ClientOptions) {
    this.base = options.server.replace(/\/+$/, "");
    this.fetchImpl = options.fetch ?? fetch;
  }

  health(): Promise<{ ok: boolean; storage: string }> {
    return this.json({ method: "GET", path: "/healthz" });
  }

  async regions(): Promise<Region[]> {
    return (await this.json<{ regions: Region[] }>({ method: "GET", path: "/v1/regions" })).regions;
  }

  region(region: string): Promise<Region> {
    return this.json({ method: "GET", path: `/v1/regions/${seg(region)}` });
  }

  nextVersion(region: string, opts: WriteOpts = {}): Promise<NextVersionResult> {
    return this.json({ method: "POST", path: `/v1/regions/${seg(region)}/next-version`, write: opts });
  }

  put(region: string, collection: string, key: string, value: Json, opts: ConditionalOpts = {}): Promise<PutResult> {
    return this.json({ method: "PUT", path: rowPath(region, collection, key), body: value, headers: conditionHeaders(opts), write: opts });
  }

  delete(region: string, collection: string, key: string, opts: ConditionalOpts = {}): Promise<DeleteResult> {
    return this.json({ method: "DELETE", path: rowPath(region, collection, key), headers: conditionHeaders(opts), write: opts });
  }

  get(region: string, collection: string, key: string, opts: { minVersion?: number; timeoutMs?: number } = {}): Promise<Row> {
    return this.json({ method: "GET", path: rowPath(region, collection, key), query: { ...opts } });
  }

  list(region: string, collection: string, opts: { after?: string; limit?: number } = {}): Promise<RowList> {
    return this.json({ method: "GET", path: `/v1/regions/${seg(region)}/collections/${seg(collection)}/rows`, query: { ...opts } });
  }

  transact(region: string, ops: TxnOp[], opts: WriteOpts = {}): Promise<TxnResult> {
    return this.json({ method: "POST", path: `/v1/regions/${seg(region)}/transactions`, body: { ops }, write: opts });
  }

  changes(region: string, params: ChangesParams = {}, signal?: AbortSignal): Promise<Page> {
    return this.json({ method: "GET", path: `/v1/regions/${seg(region)}/changes`, query: { ...params }, ...(signal && { signal }) });
  }

  compact(region: string, request: CompactRequest, opts: WriteOpts = {}): Promise<CompactResult> {
    return this.json({ method: "POST", path: `/v1/regions/${seg(region)}/compact`, body: request, write: opts });
  }

  async json<T>(call: Call): Promise<T> {
    return (await this.request<T>(call)).body;
  }

  /** Sends a call, retrying transient failures; resolves with the parsed body or throws a VersoError. */
  async request<T>(call: Call): Promise<Response<T>> {
    const url = new URL(this.base + call.path);
    for (const [name, value] of Object.entries(call.query ?? {})) if (value !== undefined) url.searchParams.set(name, String(value));
    const headers: Record<string, string> = { "verso-protocol": String(PROTOCOL_MAX), ...call.headers };
    if (this.options.token) headers.authorization = `Bearer ${this.options.token}`;
    if (call.write) headers["idempotency-key"] = call.write.idempotencyKey ?? randomUUID();
    if (call.body !== undefined) headers["content-type"] = "application/json";
    const body = call.body === undefined ? undefined : JSON.stringify(call.body);
    const retries = this.options.retries ?? 4;
    for (let attempt = 0; ; attempt++) {
      let response: globalThis.Response;
      try {
        response = await this.fetchImpl(url, {
          method: call.method,
          headers,
          ...(body !== undefined && { body }),
          ...(call.signal && { signal: call.signal }),
        });
      } catch (error) {
        if (call.signal?.aborted || attempt >= retries) throw error;
        await this.backoff(attempt);
        continue;
      }
      const text = await response.text();
      const parsed: unknown = text === "" ? undefined : safeParse(text);
      if (response.ok) return { body: parsed as T, status: response.status, headers: response.headers };
      if (response.status === 503 && attempt < retries) {
        await this.backoff(attempt);
        continue;
      }
      throw errorFromBody(response.status, parsed);
    }
  }

  private backoff(attempt: number): Promise<void> {
    const base = this.options.backoffMs ?? 100;
    const delay = Math.min(5_000, base * 2 ** attempt) * (0.5 + Math.random() / 2);
    return new Promise((resolve) => setTimeout(resolve, delay));
  }
}

function rowPath(region: string, collection: string, key: string): string {
  return `/v1/regions/${seg(region)}/collections/${seg(collection)}/rows/${seg(key)}`;
}

function conditionHeaders(opts: ConditionalOpts): Record<string, string> {
  if (opts.ifVersion === undefined) return {};
  return opts.ifVersion === 0 ? { "if-none-match": "*" } : { "if-match": `"${opts.ifVersion}"` };
}

function safeParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return { error: { code: "internal", message: `unreadable response: ${text.slice(0, 200)}` } };
  }
}

export { VersoError };
