/**
 * Requests Node's HTTP parser refuses before any route runs, sent byte for byte over a
 * socket: every answer still carries the contract's error body and the protocol header.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { VersoStore } from "../../src/core/store.js";
import { openStore } from "../../src/open-store.js";
import { type RunningServer, startServer } from "../../src/server/serve.js";
import { contractError, rawExchange } from "../support/raw-http.js";

const HOST = "Host: 127.0.0.1\r\n";
const ROW = "/v1/regions/r/collections/c/rows/k";

const REFUSED: Array<[string, string | Buffer]> = [
  ["a raw non-ASCII byte in the path", Buffer.from(`GET /v1/regions/caf\xe9 HTTP/1.1\r\n${HOST}\r\n`, "latin1")],
  ["a space in the path", `GET /v1/re gions HTTP/1.1\r\n${HOST}\r\n`],
  ["an unknown method", `FROB /v1/regions HTTP/1.1\r\n${HOST}\r\n`],
  ["a lower-case method", `get /v1/regions HTTP/1.1\r\n${HOST}\r\n`],
  ["a control character in a header", `GET /v1/regions HTTP/1.1\r\n${HOST}X-Note: a\x01b\r\n\r\n`],
  ["an obs-fold header", `GET /v1/regions HTTP/1.1\r\n${HOST}X-Note: a\r\n b\r\n\r\n`],
  ["Content-Length: -1", `PUT ${ROW} HTTP/1.1\r\n${HOST}Content-Length: -1\r\n\r\n1`],
  [
    "Content-Length with Transfer-Encoding",
    `PUT ${ROW} HTTP/1.1\r\n${HOST}Content-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n1\r\n1\r\n0\r\n\r\n`,
  ],
  ["HTTP/9.9", `GET /v1/regions HTTP/9.9\r\n${HOST}\r\n`],
  ["no Host", "GET /v1/regions HTTP/1.1\r\n\r\n"],
  ["a 100 KB Idempotency-Key", `PUT ${ROW} HTTP/1.1\r\n${HOST}Idempotency-Key: ${"k".repeat(100_000)}\r\nContent-Length: 1\r\n\r\n1`],
  ["CONNECT", `CONNECT example.com:443 HTTP/1.1\r\n${HOST}\r\n`],
  ["a garbage request line", "\x16\x03\x01\x02\x00garbage\r\n\r\n"],
  ["an HTTP/2 preface", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"],
  ["an Expect other than 100-continue", `PUT ${ROW} HTTP/1.1\r\n${HOST}Expect: fancy\r\nContent-Length: 1\r\n\r\n1`],
];

describe("requests refused before routing", () => {
  let store: VersoStore;
  let server: RunningServer;
  let port: number;
  before(async () => {
    store = await openStore({ path: ":memory:", maintenanceIntervalMs: 0 });
    server = await startServer({ store, port: 0, log: () => {} });
    port = Number(new URL(server.url).port);
  });
  after(async () => {
    server.app.server.closeAllConnections();
    await server.stop();
    await store.close();
  });

  for (const [what, bytes] of REFUSED) {
    it(`${what}: 4xx with the contract's body and the protocol header, nothing written`, async () => {
      const error = contractError(await rawExchange(port, bytes), what);
      assert.ok(error.status >= 400 && error.status < 500, `${what}: status ${error.status}`);
      assert.equal(((await (await fetch(`${server.url}/v1/regions/r`)).json()) as { version: number }).version, 0);
    });
  }

  it("CONNECT and garbage are answered 400 before the connection closes", async () => {
    for (const bytes of [`CONNECT example.com:443 HTTP/1.1\r\n${HOST}\r\n`, "\x00\x01\x02\r\n\r\n"]) {
      const answer = await rawExchange(port, bytes);
      assert.equal(contractError(answer, bytes).status, 400);
      assert.equal(answer?.headers.connection, "close");
    }
  });

  it("headers over the limit name it", async () => {
    const error = contractError(
      await rawExchange(port, `GET /v1/regions HTTP/1.1\r\n${HOST}X-Big: ${"x".repeat(20_000)}\r\n\r\n`),
      "big header",
    );
    assert.equal(error.code, "bad_request");
    assert.match(error.message, /headers are larger than 16384 bytes/);
  });

  it("a well-formed request on the same kind of socket is still served", async () => {
    const answer = await rawExchange(port, `GET /v1/regions HTTP/1.1\r\n${HOST}Connection: close\r\n\r\n`);
    assert.equal(answer?.status, 200);
    assert.deepEqual(JSON.parse(answer?.body ?? ""), { regions: [] });
    const http10 = await rawExchange(port, "GET /v1/regions HTTP/1.0\r\n\r\n");
    assert.equal(http10?.status, 200, "HTTP/1.0 needs no Host");
  });
});
