/**
 * A request whose headers are sent at once and whose body is held back. It sends
 * `Expect: 100-continue`, so `dispatched` resolves when the server has taken the
 * request in: from then on it is in flight, whatever the server does next.
 */
import http from "node:http";
import type { Reply } from "./http.js";

export interface HeldRequest {
  dispatched: Promise<void>;
  /** Sends the body (if any) and resolves with the answer. */
  finish: (body?: unknown) => Promise<Reply>;
  /** The answer, for requests that need no body. */
  reply: Promise<Reply>;
}

export function holdRequest(
  base: string,
  method: string,
  path: string,
  agent: http.Agent,
  headers: Record<string, string> = {},
): HeldRequest {
  const url = new URL(path, base);
  const request = http.request(url, {
    method,
    agent,
    headers: { expect: "100-continue", "content-type": "application/json", "transfer-encoding": "chunked", ...headers },
  });
  const reply = new Promise<Reply>((resolve, reject) => {
    request.once("error", reject);
    request.once("response", (response) => {
      let text = "";
      response.setEncoding("utf8");
      response.on("data", (chunk: string) => {
        text += chunk;
      });
      response.once("error", reject);
      response.once("end", () => {
        const responseHeaders = new Headers();
        for (const [name, value] of Object.entries(response.headers)) if (typeof value === "string") responseHeaders.set(name, value);
        resolve({ status: response.statusCode ?? 0, body: text === "" ? undefined : JSON.parse(text), headers: responseHeaders });
      });
    });
  });
  const dispatched = new Promise<void>((resolve, reject) => {
    request.once("continue", resolve);
    request.once("error", reject);
  });
  request.flushHeaders();
  return {
    dispatched,
    reply,
    finish: (body) => {
      request.end(body === undefined ? undefined : JSON.stringify(body));
      return reply;
    },
  };
}
