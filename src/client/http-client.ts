/**
 * Typed client for HTTP API v1. Every write carries an Idempotency-Key (generated when
 * the caller gives none), so transient failures are retried safely with jittered
 * exponential backoff; contract errors are thrown as the protocol's typed classes.
 */
import { randomUUID } from "node:crypto";
import { backoffDelay, sleep } from "../core/backoff.js";
import { VersoError } from "../protocol/errors.js";
import type { CreatedToken, CreateTokenRequest, TokenInfo } from "../protocol/tokens.js";
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
import { type FeedEvent, type FeedOptions, type FollowOptions, follow as followFeed, watch as watchFeed } from "./feed.js";
import { refusal, successBody } from "./foreign-response.js";

export interface ClientOptions {
  /** Base URL, e.g. http://127.0.0.1:7070 */
  server: string;
  token?: string;
  /**
   * Attempts after the first for transient failures: network errors and 503, and for
   * writes (which carry an Idempotency-Key) also 500 `internal`. Default 4.
   */
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

export interface Call {
  method: string;
  path: string;
  query?: Record<string, string | number | undefined>;
  body?: unknown;
  headers?: Record<string, string>;
  write?: WriteOpts;
  signal?: AbortSignal;
  /** False for a call that is unsafe to send twice and carries no Idempotency-Key. */
  retryNetworkErrors?: boolean;
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

  /** Retries after the first attempt for transient failures. */
  get retries(): number {
    return this.options.retries ?? 4;
  }

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

  /**
   * The region's change feed from the SSE watch endpoint: `{type: "changes", page}` per
   * page, `{type: "progress", head}` as heartbeats. Reconnects with Last-Event-ID.
   */
  watch(region: string, options: FeedOptions = {}): AsyncGenerator<FeedEvent> {
    return watchFeed(this, region, options);
  }

  /** The same events as `watch`, from long-polls of the changes endpoint (works with any server). */
  follow(region: string, options: FollowOptions = {}): AsyncGenerator<FeedEvent> {
    return followFeed(this, region, options);
  }

  compact(region: string, request: CompactRequest, opts: WriteOpts = {}): Promise<CompactResult> {
    return this.json({ method: "POST", path: `/v1/regions/${seg(region)}/compact`, body: request, write: opts });
  }

  /**
   * Creates a scoped token (admin only). Not retried after a network error: a lost answer
   * would leave a token nobody knows the secret of (list and revoke it).
   */
  createToken(request: CreateTokenRequest): Promise<CreatedToken> {
    return this.json({ method: "POST", path: "/v1/tokens", body: request, retryNetworkErrors: false });
  }

  async tokens(): Promise<TokenInfo[]> {
    return (await this.json<{ tokens: TokenInfo[] }>({ method: "GET", path: "/v1/tokens" })).tokens;
  }

  /** Revokes a token (admin only); revoking a revoked token answers it again. */
  revokeToken(id: string): Promise<TokenInfo> {
    return this.json({ method: "DELETE", path: `/v1/tokens/${seg(id)}` });
  }

  async json<T>(call: Call): Promise<T> {
    return (await this.request<T>(call)).body;
  }

  /**
   * Sends a call, retrying transient failures; resolves with the parsed body or throws a
   * VersoError, or a ForeignResponseError when what answered is not verso.
   */
  async request<T>(call: Call): Promise<Response<T>> {
    const response = await this.send(call);
    const text = await response.text();
    return { body: successBody(response, text) as T, status: response.status, headers: response.headers };
  }

  /**
   * Sends a call and resolves with the successful response, its body unread (streams read
   * it as it arrives). Network errors and 503 are retried, and for writes 500 `internal`
   * too: the Idempotency-Key, the same on every attempt, makes a write whose outcome is
   * unknown safe to send again. Other failures throw a VersoError. An error thrown for a
   * write carries the key in `idempotencyKey` (see idempotencyKeyOf), so the caller can
   * retry later with the same key.
   */
  async send(call: Call): Promise<globalThis.Response> {
    if (!call.write) return this.attempts(call, undefined);
    const key = call.write.idempotencyKey ?? randomUUID();
    try {
      return await this.attempts(call, key);
    } catch (error) {
      if (error instanceof Error) Object.defineProperty(error, "idempotencyKey", { value: key, enumerable: true });
      throw error;
    }
  }

  private async attempts(call: Call, idempotencyKey: string | undefined): Promise<globalThis.Response> {
    const url = new URL(this.base + call.path);
    for (const [name, value] of Object.entries(call.query ?? {})) if (value !== undefined) url.searchParams.set(name, String(value));
    const headers: Record<string, string> = { "verso-protocol": String(PROTOCOL_MAX), ...call.headers };
    if (this.options.token) headers.authorization = `Bearer ${this.options.token}`;
    if (idempotencyKey !== undefined) headers["idempotency-key"] = idempotencyKey;
    if (call.body !== undefined) headers["content-type"] = "application/json";
    const body = call.body === undefined ? undefined : JSON.stringify(call.body);
    const retries = this.retries;
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
        if (call.signal?.aborted || call.retryNetworkErrors === false || attempt >= retries) throw error;
        await this.backoff(attempt);
        continue;
      }
      if (response.ok) return response;
      const text = await response.text();
      const error = refusal(response, text);
      const internal = !(error instanceof VersoError) || error.code === "internal";
      const transient = response.status === 503 || (idempotencyKey !== undefined && response.status === 500 && internal);
      if (transient && attempt < retries) {
        await this.backoff(attempt);
        continue;
      }
      throw error;
    }
  }

  /** Waits before retry number `attempt`, with the client's backoff settings. */
  backoff(attempt: number, signal?: AbortSignal): Promise<void> {
    return sleep(backoffDelay(attempt, this.options.backoffMs ?? 100, 5_000), signal);
  }
}

/** The Idempotency-Key of the write an error was thrown for, if it was thrown for a write. */
export function idempotencyKeyOf(error: unknown): string | undefined {
  if (typeof error !== "object" || error === null || !("idempotencyKey" in error)) return undefined;
  return typeof error.idempotencyKey === "string" ? error.idempotencyKey : undefined;
}

function rowPath(region: string, collection: string, key: string): string {
  return `/v1/regions/${seg(region)}/collections/${seg(collection)}/rows/${seg(key)}`;
}

function conditionHeaders(opts: ConditionalOpts): Record<string, string> {
  if (opts.ifVersion === undefined) return {};
  return opts.ifVersion === 0 ? { "if-none-match": "*" } : { "if-match": `"${opts.ifVersion}"` };
}

export { VersoError };
