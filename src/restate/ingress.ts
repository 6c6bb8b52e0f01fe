/** Calls through Restate's HTTP ingress: `POST {ingress}/{service}/{key}/{handler}[/send]`. */
import { errorMessage } from "./error-message.js";

export interface IngressCall {
  service: string;
  key: string;
  handler: string;
  body?: unknown;
  /** Sent as `idempotency-key`: Restate answers a repeat with the first invocation's result. */
  idempotencyKey?: string;
  fetch?: typeof fetch;
  signal?: AbortSignal;
}

/** An answer from the ingress other than 2xx; `status` is Restate's (e.g. 400 for a terminal error with that code). */
export class RestateIngressError extends Error {
  override name = "RestateIngressError";
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export interface SendAnswer {
  invocationId: string;
  status: string;
}

export async function callIngress<T>(ingress: string, call: IngressCall): Promise<T> {
  return (await post(ingress, call, "")) as T;
}

/** Starts the invocation and returns once Restate has accepted it, without waiting for the result. */
export async function sendIngress(ingress: string, call: IngressCall): Promise<SendAnswer> {
  return (await post(ingress, call, "/send")) as SendAnswer;
}

async function post(ingress: string, call: IngressCall, suffix: string): Promise<unknown> {
  const url = `${ingress.replace(/\/+$/, "")}/${call.service}/${encodeURIComponent(call.key)}/${call.handler}${suffix}`;
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (call.idempotencyKey !== undefined) headers["idempotency-key"] = call.idempotencyKey;
  const response = await (call.fetch ?? fetch)(url, {
    method: "POST",
    headers,
    body: call.body === undefined ? "" : JSON.stringify(call.body),
    ...(call.signal && { signal: call.signal }),
  });
  const text = await response.text();
  if (!response.ok) {
    const message = errorMessage(text);
    throw new RestateIngressError(response.status, `${call.service}/${call.key}/${call.handler}: ${response.status} ${message}`);
  }
  return text === "" ? undefined : JSON.parse(text);
}
