/**
 * The SQLite writer thread: commits leave the event loop, and nothing else changes.
 * What it must keep: every write made before close() is answered before the thread
 * stops; commit notifications come after the commit (a reader sees it) and in commit
 * order; a command's own error crosses back without failing its neighbours; an idle
 * thread does not keep the process alive while a waiting write does.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import type { WriteCommand } from "../../src/model/write-command.js";
import { openReadOnly } from "../../src/sqlite/open-database.js";
import { SqliteStorage } from "../../src/storage/sqlite/sqlite-storage.js";
import { WriterThread } from "../../src/storage/sqlite/writer-thread.js";
import { REPO_ROOT, within } from "../support/child-process.js";

const next = (region: string): WriteCommand => ({ kind: "nextVersion", region });
const put = (key: string, valueJson: string): WriteCommand => ({
  kind: "txn",
  form: "put",
  region: "r",
  ops: [{ op: "put", collection: "c", key, valueJson }],
});

describe("the SQLite writer thread", () => {
  const dir = mkdtempSync(join(tmpdir(), "verso-writer-thread-"));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("answers every write made before close(), in order, then stops", async () => {
    const path = join(dir, "drain.db");
    const storage = new SqliteStorage({ path, writerThread: true });
    const heads: number[] = [];
    storage.onCommit((_, head) => heads.push(head));
    const writes = Array.from({ length: 40 }, () => storage.write([next("r")]));
    const closed = storage.close();
    const settled = await Promise.allSettled(writes);
    await closed;
    const versions = settled.map((s) => {
      assert.equal(s.status, "fulfilled", s.status === "rejected" ? String(s.reason) : "");
      const [result] = s.value;
      assert.ok(result && !(result instanceof Error) && result.outcome.status === "committed");
      return result.outcome.version;
    });
    const expected = Array.from({ length: 40 }, (_, i) => i + 1);
    assert.deepEqual(versions, expected);
    assert.deepEqual(heads, expected, "one notification per commit, in commit order");
    await assert.rejects(storage.write([next("r")]), /closing/);

    const reopened = new SqliteStorage({ path });
    try {
      assert.equal((await reopened.region("r")).version, 40, "every answered write is in the file");
    } finally {
      await reopened.close();
    }
  });

  it("notifies a commit only once another connection can read it", async () => {
    const path = join(dir, "notify.db");
    const storage = new SqliteStorage({ path, writerThread: true });
    await storage.write([next("a")]);
    const reader = openReadOnly(path);
    const head = reader.prepare<[string], { version: number }>("SELECT version FROM regions WHERE name = ?");
    const seen: string[] = [];
    storage.onCommit((region, version) => {
      const stored = head.get(region)?.version ?? 0;
      assert.ok(stored >= version, `${region} notified at ${version} while the file holds ${stored}`);
      seen.push(`${region}@${version}`);
    });
    try {
      await Promise.all(Array.from({ length: 30 }, (_, i) => storage.write([next(i % 2 === 0 ? "a" : "b"), next("a")])));
      // One notification per region and batch: 15 batches move a only, 15 move b and a.
      assert.equal(seen.length, 45);
      for (const region of ["a", "b"]) {
        const order = seen.filter((s) => s.startsWith(`${region}@`)).map((s) => Number(s.slice(2)));
        assert.deepEqual(
          order,
          [...order].sort((x, y) => x - y),
          `${region}'s heads rise`,
        );
      }
    } finally {
      reader.close();
      await storage.close();
    }
  });

  it("answers a command's own error without failing its neighbours", async () => {
    const storage = new SqliteStorage({ path: join(dir, "errors.db"), writerThread: true });
    try {
      // An object where SQL text belongs: SQLite cannot bind it, so this command fails inside the batch.
      const [first, broken, third] = await storage.write([
        put("a", '"a"'),
        put("b", { not: "text" } as unknown as string),
        put("c", '"c"'),
      ]);
      assert.ok(broken instanceof Error, "the broken command gets an Error");
      assert.ok(broken.message.length > 0, "with SQLite's reason");
      assert.deepEqual(first, { outcome: { status: "committed", region: "r", version: 1 }, replayed: false });
      assert.deepEqual(third, { outcome: { status: "committed", region: "r", version: 2 }, replayed: false });
      assert.equal((await storage.row("r", "c", "b")) ?? null, null, "the failed command left nothing");
      assert.equal((await storage.row("r", "c", "c"))?.valueJson, '"c"');
    } finally {
      await storage.close();
    }
  });

  it("keeps the event loop turning while a large batch commits", { timeout: 60_000 }, async (t) => {
    const batch = Array.from({ length: 20_000 }, (_, i) => put(`k-${i}`, JSON.stringify("x".repeat(500))));
    /** The longest the event loop went without running a 1 ms timer while the batch was written. */
    const longestStall = async (storage: SqliteStorage): Promise<number> => {
      try {
        // Measured once the thread has started and committed: its start-up is not what is measured.
        await storage.started();
        await storage.write([put("warm-up", "0")]);
        let last = performance.now();
        let longest = 0;
        const ticker = setInterval(() => {
          const now = performance.now();
          longest = Math.max(longest, now - last);
          last = now;
        }, 1);
        try {
          await storage.write(batch);
        } finally {
          clearInterval(ticker);
        }
        return Math.max(longest, performance.now() - last);
      } finally {
        await storage.close();
      }
    };
    const inThread = await longestStall(new SqliteStorage({ path: join(dir, "stall-loop.db") }));
    const threaded = await longestStall(new SqliteStorage({ path: join(dir, "stall-thread.db"), writerThread: true }));
    t.diagnostic(`longest stall: ${threaded.toFixed(1)} ms with the writer thread, ${inThread.toFixed(1)} ms without`);
    assert.ok(
      threaded < inThread / 2,
      `longest stall ${threaded.toFixed(1)} ms on the writer thread, ${inThread.toFixed(1)} ms on the event loop`,
    );
  });

  it("fails its writes with the reason when it cannot open the file", async () => {
    const writer = new WriterThread({ path: join(dir, "no-such-folder", "\0", "x.db") });
    await assert.rejects(writer.ready);
    await assert.rejects(writer.write([next("r")], Date.now()));
    await within(writer.close(), 5_000, "close() of a thread that never opened");
  });

  it("lets the process exit when idle, and keeps it alive while a write waits", { timeout: 60_000 }, async () => {
    const script = join(dir, "unclosed.mts");
    const storageModule = fileURLToPath(new URL("../../src/storage/sqlite/sqlite-storage.ts", import.meta.url));
    writeFileSync(
      script,
      `import { SqliteStorage } from ${JSON.stringify(storageModule)};
       const storage = new SqliteStorage({ path: ${JSON.stringify(join(dir, "unclosed.db"))}, writerThread: true });
       const [result] = await storage.write([{ kind: "nextVersion", region: "r" }]);
       console.log(JSON.stringify(result));
       // No close(): the idle thread must not hold the process open.`,
    );
    const child = spawn(process.execPath, ["--import", "tsx", script], { cwd: REPO_ROOT, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (chunk) => {
      output += chunk;
    });
    child.stderr.on("data", (chunk) => {
      output += chunk;
    });
    const code = await within(new Promise<number | null>((resolve) => child.on("exit", resolve)), 30_000, "the unclosed script to exit");
    assert.equal(code, 0, output);
    assert.match(output, /"status":"committed","region":"r","version":1/);
  });
});
