/**
 * A `fetch` over node:http with one keep-alive agent, for the closed-loop benchmarks:
 * lighter per request than the global fetch (undici), and the same transport for every
 * server compared, so that a figure's differences are the servers'. Enough of fetch for
 * VersoClient and callIngress: method, headers, a string body, the answer as text.
 */
import { Agent, request } from "node:http";

const agent = new Agent({ keepAlive: true, maxSockets: Number.POSITIVE_INFINITY });

export const keepAliveFetch = ((input: string | URL, init: RequestInit = {}) =>
  new Promise<Response>((resolve, reject) => {
    const req = request(
      input,
      { method: init.method ?? "GET", headers: init.headers as Record<string, string> | undefined, agent },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("error", reject);
        res.on("end", () => {
          const status = res.statusCode ?? 0;
          const body = status === 204 || status === 304 ? null : Buffer.concat(chunks);
          resolve(new Response(body, { status, headers: res.headers as Record<string, string> }));
        });
      },
    );
    req.on("error", reject);
    req.end(typeof init.body === "string" ? init.body : undefined);
  })) as typeof fetch;
