/**
 * What the CLI says when the other side is not the verso it expects: another HTTP server
 * at --server, a verso that wants a token, or a flag it does not know.
 */
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import type { VersoStore } from "../../src/core/store.js";
import { openStore } from "../../src/open-store.js";
import { type RunningServer, startServer } from "../../src/server/serve.js";
import { runCli } from "../support/child-process.js";

const ADMIN_TOKEN = "a-long-enough-admin-token-for-tests-0123456789";

describe("CLI against a server that is not the verso it expects", () => {
  let foreign: Server;
  let foreignUrl: string;
  let store: VersoStore;
  let verso: RunningServer;
  before(async () => {
    // Answers like a static file server: HTML for every path, with the status the path asks for.
    foreign = createServer((request, response) => {
      const status = Number(request.url?.includes("/v1/regions/ok") ? 200 : request.url?.includes("/v1/regions/locked") ? 401 : 404);
      response.writeHead(status, { "content-type": "text/html" }).end("<!DOCTYPE HTML>\n<html><body>Nothing here</body></html>\n");
    });
    await new Promise<void>((resolve) => foreign.listen(0, "127.0.0.1", resolve));
    foreignUrl = `http://127.0.0.1:${(foreign.address() as AddressInfo).port}`;
    store = await openStore({ path: ":memory:", maintenanceIntervalMs: 0 });
    verso = await startServer({ store, port: 0, log: () => {}, adminToken: ADMIN_TOKEN });
  });
  after(async () => {
    await new Promise((resolve) => foreign.close(resolve));
    await verso.stop();
    await store.close();
  });

  it("an HTML error page is named as such, with its real status", async () => {
    const result = await runCli(["version", "r", "--server", foreignUrl]);
    assert.equal(result.code, 1, result.stderr);
    assert.doesNotMatch(result.stderr, /internal \(500\)/);
    assert.match(result.stderr, new RegExp(`the server at ${foreignUrl} did not answer like verso \\(HTTP 404 Not Found, text/html\\)`));
    assert.match(result.stderr, /<!DOCTYPE HTML>/);
    assert.equal(result.stdout, "");
  });

  it("so is an HTML page answered with 200", async () => {
    const result = await runCli(["version", "ok", "--server", foreignUrl]);
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, /did not answer like verso \(HTTP 200 OK, text\/html\)/);
    assert.equal(result.stdout, "");
  });

  it("a 401, from verso or not, says how to give a token", async () => {
    for (const [args, said] of [
      [["version", "r", "--server", verso.url], /unauthorized \(401\)/],
      [["version", "locked", "--server", foreignUrl], /HTTP 401/],
    ] as const) {
      const result = await runCli([...args]);
      assert.equal(result.code, 1, result.stderr);
      assert.match(result.stderr, said);
      assert.match(result.stderr, /--token.*VERSO_TOKEN/);
    }
  });

  it("an unknown flag gets verso's own words and the usage line", async () => {
    for (const [args, usage] of [
      [["get", "r", "c", "k", "--bogus"], /usage: verso get REGION COLLECTION KEY/],
      [["serve", "--bogus"], /run "verso help serve" for usage/],
    ] as const) {
      const result = await runCli([...args]);
      assert.equal(result.code, 2, result.stderr);
      assert.match(result.stderr, /unknown option --bogus\n/);
      assert.match(result.stderr, usage);
      assert.doesNotMatch(result.stderr, /'/, "no quotes from node's own message");
    }
    const missing = await runCli(["get", "r", "c", "k", "--min-version"]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /--min-version needs a value\n/);
  });
});
