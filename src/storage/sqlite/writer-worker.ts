/**
 * The SQLite writer thread: its own connection to a file the main thread has already
 * opened, checked, migrated and taken ownership of (the owner's lock is the main
 * thread's; taking it again here would find it held). It runs each batch as the
 * main thread's batch writer would, one at a time in arrival order, so versions,
 * idempotency records and commit order are exactly those of a batch run in-thread.
 */
import { parentPort, workerData } from "node:worker_threads";
import { openDatabase } from "../../sqlite/open-database.js";
import { statements } from "./statements.js";
import { batchWriter } from "./write-batch.js";
import { type CrossedResult, crossError, type WriterReply, type WriterRequest, type WriterSetup } from "./writer-messages.js";

const port = parentPort;
if (!port) throw new Error("writer-worker runs as a worker thread");
const reply = (message: WriterReply) => port.postMessage(message);

let open: { db: ReturnType<typeof openDatabase>; sweep: (before: number) => number; write: ReturnType<typeof batchWriter> } | undefined;
let now = 0;
try {
  const setup = workerData as WriterSetup;
  const db = openDatabase({ path: setup.path, ...(setup.synchronous && { synchronous: setup.synchronous }) });
  const sql = statements(db);
  open = { db, sweep: (before) => sql.sweep.run(before).changes, write: batchWriter(db, sql, () => now) };
  reply({ type: "ready" });
} catch (error) {
  reply({ type: "openFailed", error: crossError(error) });
}

port.on("message", (request: WriterRequest) => {
  if (request.type === "close") {
    // Every request sent before this one has been answered: messages arrive in order.
    if (open?.db.open) open.db.close();
    reply({ type: "closed" });
    return;
  }
  try {
    if (!open) throw new Error("the writer thread could not open the database");
    if (request.type === "sweep") {
      reply({ type: "swept", id: request.id, count: open.sweep(request.before) });
      return;
    }
    now = request.now;
    const results: CrossedResult[] = open
      .write(request.batch)
      .map((result) => (result instanceof Error ? { failed: crossError(result) } : result));
    reply({ type: "written", id: request.id, results });
  } catch (error) {
    reply({ type: "failed", id: request.id, error: crossError(error) });
  }
});
