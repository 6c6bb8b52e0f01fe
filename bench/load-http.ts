/** autocannon with the settings every HTTP figure shares; refuses to count failed requests. */
import autocannon, { type Request } from "autocannon";

export interface HttpLoad {
  method: "GET" | "POST" | "PUT";
  /** Path of the i-th request, so writes can spread over keys. */
  path: (i: number) => string;
  body?: string;
}

export async function requestsPerSecond(url: string, load: HttpLoad, connections: number, seconds: number): Promise<number> {
  let i = 0;
  const request: Request = {
    method: load.method,
    setupRequest: (params) => ({ ...params, path: load.path(i++) }),
    ...(load.body !== undefined && { body: load.body, headers: { "content-type": "application/json" } }),
  };
  const result = await autocannon({ url, connections, duration: seconds, requests: [request] });
  if (result.errors > 0 || result.non2xx > 0 || result.timeouts > 0) {
    throw new Error(`${load.method} ${url}: ${result.errors} errors, ${result.timeouts} timeouts, ${result.non2xx} non-2xx responses`);
  }
  return result.requests.total / result.duration;
}
