/**
 * A real full disk: a server whose database lives on a small tmpfs answers writes with
 * 507 insufficient_storage once the filesystem is full, says so in /healthz, goes on
 * serving reads, and writes again as soon as space is freed, without a restart. Needs
 * root (to mount the tmpfs); skipped otherwise.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, statfsSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { type ChildServer, startChildServer, stopChild } from "../support/child-process.js";
import { call } from "../support/http.js";

const dir = mkdtempSync(join(tmpdir(), "verso-disk-full-"));

function mountTmpfs(): string | false {
  if (process.getuid?.() !== 0) return "mounting a tmpfs needs root";
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=4m", "tmpfs", dir], { stdio: "pipe" });
    return false;
  } catch (error) {
    return `cannot mount a tmpfs: ${(error as Error).message.split("\n")[0]}`;
  }
}

const skip = mountTmpfs();
after(() => {
  if (!skip) execFileSync("umount", [dir]);
  rmSync(dir, { recursive: true, force: true });
});

/** Commits on the event loop, and on the writer thread (whose SQLITE_FULL must cross back with its code). */
const VARIANTS = [[], ["--writer-thread"]];

for (const [variant, flags] of VARIANTS.entries())
  describe(`a full disk under a running server${flags.length > 0 ? ` (${flags.join(" ")})` : ""}`, { skip }, () => {
    let server: ChildServer | undefined;
    const filler = join(dir, "filler");
    before(async () => {
      server = await startChildServer(["--db", join(dir, `verso-${variant}.db`), ...flags]);
    });
    after(async () => {
      await stopChild(server);
      rmSync(join(dir, `verso-${variant}.db`), { force: true });
      rmSync(join(dir, `verso-${variant}.db-wal`), { force: true });
      rmSync(join(dir, `verso-${variant}.db-shm`), { force: true });
      rmSync(join(dir, `verso-${variant}.db.lock`), { force: true });
    });

    it("answers 507 while the disk is full and writes again once space is freed", { timeout: 60_000 }, async () => {
      const url = server!.url;
      // The variant is the one asked for: the start line names the writer thread only when it commits there.
      assert.equal(/synchronous=\w+, writer thread/.test(server!.log()), flags.includes("--writer-thread"), server!.log());
      const row = (key: string) => `/v1/regions/r/collections/c/rows/${key}`;
      assert.equal((await call(url, "PUT", row("first"), { body: "v" })).status, 200);

      // Leave a little room, then fill it with writes.
      const free = statfsSync(dir);
      writeFileSync(filler, Buffer.alloc(Math.max(0, free.bavail * free.bsize - 256 * 1024)));
      let full: Awaited<ReturnType<typeof call>> | undefined;
      for (let i = 0; i < 200 && !full; i++) {
        const reply = await call(url, "PUT", row(`big-${i}`), { body: "x".repeat(32 * 1024) });
        if (reply.status !== 200) full = reply;
      }
      assert.ok(full, "the writes filled the disk");
      assert.equal(full.status, 507, `${JSON.stringify(full.body)}\n${server!.log()}`);
      assert.equal(full.body.error.code, "insufficient_storage");
      const health = await call(url, "GET", "/healthz");
      assert.equal(health.status, 507);
      assert.equal(health.body.error.code, "insufficient_storage");
      assert.equal((await call(url, "GET", row("first"))).status, 200, "reads go on");

      rmSync(filler);
      const again = await call(url, "PUT", row("after"), { body: "v" });
      assert.equal(again.status, 200, `${JSON.stringify(again.body)}\n${server!.log()}`);
      assert.equal((await call(url, "GET", "/healthz")).status, 200);
      assert.equal((await call(url, "GET", row("after"))).body.value, "v");
    });
  });
