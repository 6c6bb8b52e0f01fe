/** Shared setup for the auth tests: an in-process app with auth on, and a terse request helper. */
import type { FastifyInstance } from "fastify";
import type { VersoStore } from "../../src/core/store.js";
import { openStore } from "../../src/open-store.js";
import type { CreatedToken, TokenRole } from "../../src/protocol/tokens.js";
import { buildApp } from "../../src/server/app.js";

export const ADMIN_TOKEN = "admin-secret-0123456789abcdef";

export interface TestApp {
  app: FastifyInstance;
  store: VersoStore;
  close: () => Promise<void>;
}

export async function authApp(options: { adminToken?: string; path?: string } = {}): Promise<TestApp> {
  const store = await openStore({ path: options.path ?? ":memory:", maintenanceIntervalMs: 0 });
  const app = buildApp({ store, adminToken: "adminToken" in options ? options.adminToken : ADMIN_TOKEN, log: () => {} });
  return {
    app,
    store,
    close: async () => {
      await app.close();
      await store.close();
    },
  };
}

export interface Answer {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: tests check response fields one by one
  body: any;
  headers: Record<string, unknown>;
}

export async function call(
  app: FastifyInstance,
  method: "GET" | "HEAD" | "PUT" | "POST" | "DELETE",
  url: string,
  token?: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Answer> {
  const response = await app.inject({
    method,
    url,
    headers: { ...headers, ...(token !== undefined && { authorization: `Bearer ${token}` }), "content-type": "application/json" },
    ...(body !== undefined && { payload: JSON.stringify(body) }),
  });
  return { status: response.statusCode, body: response.body === "" ? undefined : response.json(), headers: response.headers };
}

export async function createToken(app: FastifyInstance, role: TokenRole, regions: string[], name?: string): Promise<CreatedToken> {
  const answer = await call(app, "POST", "/v1/tokens", ADMIN_TOKEN, { role, regions, ...(name !== undefined && { name }) });
  if (answer.status !== 201) throw new Error(`token creation failed: ${answer.status} ${JSON.stringify(answer.body)}`);
  return answer.body as CreatedToken;
}
