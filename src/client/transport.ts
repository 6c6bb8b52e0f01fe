/**
 * The client's HTTP transport: URL and headers (protocol version, token, Idempotency-Key),
 * retries of transient failures with jittered exponential backoff, and contract errors
 * decoded into the protocol's typed classes. It needs nothing but `fetch`, `URL` and
 * Web Crypto, so the client runs on Node, Deno, browsers and edge runtimes alike.
 */
import { VersoError } from "../protocol/errors.js";
import type { WriteOptions } from "../protocol/types.js";
import { PROTOCOL_MAX } from "../protocol/version.js";
import { backoffDelay, sleep } from "../retry/backoff.js";
import { refusal, successBody } from "./foreign-response.js";

export interface ClientOptions {
  /** Base URL, e.g. http://127.0.0.1:7070 */
  server: string;
  token?: string;
  /**
   * Attempts after the first for transient failures: network errors, 503 and 507, and for
   * writes (which carry an Idempotency-Key) also 500 `internal`. Default 4.
   */
  retries?: number;
  /** First backoff delay in ms; doubles per attempt, with jitter, up to 5 s. Default 100. */
  backoffMs?: number;
  fetch?: typeof fetch;
}

export interface Call {
  method: string;
  path: string;
  query?: Record<string, string | number | undefined>;
  body?: unknown;
  headers?: Record<string, string>;
  /** Present for a write: it is sent with an Idempotency-Key, the given one or a fresh one. */
  write?: WriteOptions;
  signal?: AbortSignal;
  /** False for a call that is unsafe to send twice and carries no Idempotency-Key. */
  retryNetworkErrors?: boolean;
}

/** A successful answer with its JSON body parsed. */
export interface JsonResponse<T> {
  body: T;
  status: number;
  headers: Headers;
}

const MAX_BACKOFF_MS = 5_000;

export class HttpTransport {
  /** Retries after the first attempt for transient failures. */
  readonly retries: number;
  private readonly base: string;
  private readonly fetch: typeof fetch;
  private readonly token: string | undefined;
  private readonly backoffMs: number;

  constructor(options: ClientOptions) {
    this.base = options.server.replace(/\/+$/, "");
    // Not called as a method of this object: browsers' fetch throws when `this` is anything but the global.
    const fetchFunction = options.fetch ?? globalThis.fetch;
    this.fetch = (input, init) => fetchFunction(input, init);
    this.token = options.token;
    this.retries = options.retries ?? 4;
    this.backoffMs = options.backoffMs ?? 100;
  }

  async json<T>(call: Call): Promise<T> {
    return (await this.request<T>(call)).body;
  }

  /**
   * Sends a call, retrying transient failures; resolves with the parsed body or throws a
   * VersoError, or a ForeignResponseError when what answered is not verso.
   */
  async request<T>(call: Call): Promise<JsonResponse<T>> {
    const response = await this.send(call);
    return { body: await this.body<T>(response), status: response.status, headers: response.headers };
  }

  /** The parsed body of a response `send` resolved with (or a ForeignResponseError). */
  async body<T>(response: Response): Promise<T> {
    return successBody(response, await response.text()) as T;
  }

  /**
   * Sends a call and resolves with the successful response, its body unread (streams read
   * it as it arrives). Network errors, 503 and 507 are retried, and for writes 500 `internal`
   * too: the Idempotency-Key, the same on every attempt, makes a write whose outcome is
   * unknown safe to send again. Other failures throw a VersoError. An error thrown for a
   * write carries the key in `idempotencyKey` (see idempotencyKeyOf), so the caller can
   * retry later with the same key.
   */
  async send(call: Call): Promise<Response> {
    if (!call.write) return this.attempts(call, undefined);
    const key = call.write.idempotencyKey ?? newIdempotencyKey();
    try {
      return await this.attempts(call, key);
    } catch (error) {
      if (error instanceof Error) Object.defineProperty(error, "idempotencyKey", { value: key, enumerable: true });
      throw error;
    }
  }

  /** Waits before retry number `attempt`, with this transport's backoff settings. */
  backoff(attempt: number, signal?: AbortSignal): Promise<void> {
    return sleep(backoffDelay(attempt, this.backoffMs, MAX_BACKOFF_MS), signal);
  }

  private async attempts(call: Call, idempotencyKey: string | undefined): Promise<Response> {
    const url = new URL(this.base + call.path);
    for (const [name, value] of Object.entries(call.query ?? {})) if (value !== undefined) url.searchParams.set(name, String(value));
    const headers: Record<string, string> = { "verso-protocol": String(PROTOCOL_MAX), ...call.headers };
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    if (idempotencyKey !== undefined) headers["idempotency-key"] = idempotencyKey;
    if (call.body !== undefined) headers["content-type"] = "application/json";
    const body = call.body === undefined ? undefined : JSON.stringify(call.body);
    for (let attempt = 0; ; attempt++) {
      let response: Response;
      try {
        response = await this.fetch(url, {
          method: call.method,
          headers,
          ...(body !== undefined && { body }),
          ...(call.signal && { signal: call.signal }),
        });
      } catch (error) {
        if (call.signal?.aborted || call.retryNetworkErrors === false || attempt >= this.retries) throw error;
        await this.backoff(attempt);
        continue;
      }
      if (response.ok) return response;
      const text = await response.text();
      const error = refusal(response, text);
      // A 500 that is not verso's (a proxy's page) may hide a write that was applied: only
      // the Idempotency-Key makes sending it again safe, as for verso's own `internal`.
      const internal = !(error instanceof VersoError) || error.code === "internal";
      // 507: the database was full and nothing was written; freeing space needs no change to the request.
      const transient =
        response.status === 503 || response.status === 507 || (idempotencyKey !== undefined && response.status === 500 && internal);
      if (transient && attempt < this.retries) {
        await this.backoff(attempt);
        continue;
      }
      throw error;
    }
  }
}

/** The Idempotency-Key of the write an error was thrown for, if it was thrown for a write. */
export function idempotencyKeyOf(error: unknown): string | undefined {
  if (typeof error !== "object" || error === null || !("idempotencyKey" in error)) return undefined;
  return typeof error.idempotencyKey === "string" ? error.idempotencyKey : undefined;
}

/**
 * A random UUID v4. `crypto.randomUUID` exists only in secure contexts of browsers, so
 * a page served over plain HTTP builds one from `getRandomValues`, which exists everywhere.
 */
function newIdempotencyKey(): string {
  if (typeof globalThis.crypto.randomUUID === "function") return globalThis.crypto.randomUUID();
  const bytes = globalThis.crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x40;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const hex = Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
