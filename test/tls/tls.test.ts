/**
 * TLS end to end with real processes: `verso serve --tls-cert/--tls-key` speaks HTTPS,
 * the CLI trusts a private CA with --ca or VERSO_CA and refuses an unknown one, SIGHUP
 * swaps the certificate without a restart, and a non-loopback bind needs TLS or
 * --insecure-http.
 */
import assert from "node:assert/strict";
import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { type ChildServer, runCli, startChildServer, stopChild } from "../support/child-process.js";
import { type Certificates, makeCertificates } from "./certificates.js";

describe("TLS", () => {
  let dir: string;
  let first: Certificates;
  let second: Certificates;
  let server: ChildServer | undefined;
  const served = { cert: "", key: "" };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "verso-tls-"));
    first = makeCertificates(dir, "first");
    second = makeCertificates(dir, "second");
    // The server reads these paths; the SIGHUP test copies the second pair over them.
    served.cert = join(dir, "served-cert.pem");
    served.key = join(dir, "served-key.pem");
    copyFileSync(first.cert, served.cert);
    copyFileSync(first.key, served.key);
    server = await startChildServer(["--db", join(dir, "verso.db"), "--tls-cert", served.cert, "--tls-key", served.key]);
  });

  after(async () => {
    await stopChild(server);
    rmSync(dir, { recursive: true, force: true });
  });

  it("serves HTTPS, and the CLI trusts the private CA given with --ca", async () => {
    assert.match(server?.url ?? "", /^https:\/\/127\.0\.0\.1:\d+$/);
    const put = await runCli(["put", "r1", "c", "k", '{"a":1}', "--server", server?.url ?? "", "--ca", first.ca, "-o", "json"]);
    assert.equal(put.code, 0, put.stderr);
    assert.equal(JSON.parse(put.stdout).version, 1);
  });

  it("takes the CA from VERSO_CA too", async () => {
    const get = await runCli(["get", "r1", "c", "k", "--server", server?.url ?? "", "-o", "json"], { env: { VERSO_CA: first.ca } });
    assert.equal(get.code, 0, get.stderr);
    assert.deepEqual(JSON.parse(get.stdout).value, { a: 1 });
  });

  it("refuses a server whose certificate no trusted CA signed", async () => {
    const get = await runCli(["get", "r1", "c", "k", "--server", server?.url ?? "", "--ca", second.ca]);
    assert.equal(get.code, 1);
    assert.doesNotMatch(get.stdout, /"a"/);
    assert.match(get.stderr, /not trusted: give the CA that signed it with --ca FILE or VERSO_CA/);
  });

  it("swaps the certificate on SIGHUP, without a restart", async () => {
    copyFileSync(second.cert, served.cert);
    copyFileSync(second.key, served.key);
    server?.child.kill("SIGHUP");
    await server?.stderr.waitFor(/SIGHUP: reloaded the TLS certificate/);
    const withSecond = await runCli(["version", "r1", "--server", server?.url ?? "", "--ca", second.ca, "-o", "json"]);
    assert.equal(withSecond.code, 0, withSecond.stderr);
    assert.equal(JSON.parse(withSecond.stdout).version, 1);
    const withFirst = await runCli(["version", "r1", "--server", server?.url ?? "", "--ca", first.ca]);
    assert.equal(withFirst.code, 1, "the old CA no longer matches the served certificate");
  });

  it("a non-loopback bind without TLS is refused unless --insecure-http says TLS ends in front", async () => {
    const env = { VERSO_ADMIN_TOKEN: "a-long-enough-admin-token-for-tests" };
    const refused = await runCli(["serve", "--host", "0.0.0.0", "--port", "0", "--db", join(dir, "plain.db")], { env });
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /refusing to serve plain HTTP on 0\.0\.0\.0.*--tls-cert.*--insecure-http/s);
    const both = await runCli([
      "serve",
      "--port",
      "0",
      "--db",
      join(dir, "x.db"),
      "--insecure-http",
      "--tls-cert",
      first.cert,
      "--tls-key",
      first.key,
    ]);
    assert.equal(both.code, 2);
    const half = await runCli(["serve", "--port", "0", "--db", join(dir, "y.db"), "--tls-cert", first.cert]);
    assert.equal(half.code, 2);
    assert.match(half.stderr, /--tls-cert and --tls-key go together/);
  });
});
