/**
 * Model-based property: random histories of writes, failing conditions, compactions,
 * concurrent groups, retries and interleaved reader pulls on VersoStore over SQLite,
 * compared answer by answer with the model, then the feed checked from every cursor.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import fc from "fast-check";
import { VersoStore } from "../../src/core/store.js";
import { VersoError } from "../../src/protocol/errors.js";
import { SqliteStorage } from "../../src/storage/sqlite/sqlite-storage.js";
import { applyPage, entries, type State } from "../support/replica.js";
import { checkConvergence, checkedReader } from "./feed-checks.js";
import { type Answer, Model, type Write } from "./model.js";
import { REGIONS, resolve, type Step, step } from "./steps.js";

/** About 5 s; set VERSO_PROPERTY_RUNS to search longer (4000 runs take about 20 s). */
const RUNS = Number(process.env.VERSO_PROPERTY_RUNS ?? 1000);

function send(store: VersoStore, write: Write): Promise<unknown> {
  const options = {
    ...(write.idem !== undefined && { idempotencyKey: write.idem }),
    ...("expect" in write && write.expect !== undefined && { ifVersion: write.expect }),
  };
  switch (write.kind) {
    case "put":
      return store.put(write.region, write.collection, write.key, write.value, options);
    case "delete":
      return store.delete(write.region, write.collection, write.key, options);
    case "txn":
      return store.transact(write.region, write.ops, options);
    case "nextVersion":
      return store.nextVersion(write.region, options);
    case "compact":
      return store.compact(write.region, write.horizon, options);
  }
}

async function answer(store: VersoStore, write: Write): Promise<Answer> {
  try {
    return { ok: await send(store, write) };
  } catch (error) {
    if (!(error instanceof VersoError)) throw error;
    return { error: error.name, extra: error.extra };
  }
}

/** An agent of one region, pulling a page now and then between writes. */
interface Reader {
  state: State;
  since?: number;
  epoch?: string;
}

class Run {
  readonly model = new Model();
  private readonly sent: Write[] = [];
  private readonly readers = new Map<string, Reader>();
  private readonly epochs = new Map<string, string>();

  constructor(private readonly store: VersoStore) {}

  async step(s: Step): Promise<void> {
    if (s.kind === "pull") return this.pull(s.region, s.limit);
    const writes: Write[] = [];
    const expected: Answer[] = [];
    for (const one of s.kind === "group" ? s.steps : [s]) {
      const write = resolve(one, this.model, this.sent);
      if (!write) continue;
      if (write.idem !== undefined && one.kind !== "retry") this.sent.push(write);
      writes.push(write);
      expected.push(this.model.submit(write));
    }
    // Sent in one turn, so group commit puts them in one batch, in this order.
    const answers = await Promise.all(writes.map((w) => answer(this.store, w)));
    assert.deepEqual(answers, expected, `answers to ${JSON.stringify(writes)}`);
    for (const region of new Set(writes.map((w) => w.region))) await this.checkRegion(region);
  }

  /** Head and floor as the model says; the epoch appears with the first commit and never changes. */
  async checkRegion(name: string): Promise<void> {
    const model = this.model.region(name);
    const region = await this.store.getVersion(name);
    assert.deepEqual([region.version, region.floor], [model.head, model.floor], `region ${name}`);
    if (model.head === 0) return assert.equal(region.epoch, "");
    const epoch = this.epochs.get(name) ?? region.epoch;
    this.epochs.set(name, epoch);
    assert.ok(epoch !== "" && region.epoch === epoch, `epoch of ${name}`);
  }

  /** One page; a page that ends the feed must leave the reader holding exactly the state at its cursor. */
  async pull(name: string, limit: number): Promise<void> {
    const reader: Reader = this.readers.get(name) ?? { state: new Map() };
    const model = this.model.region(name);
    const page = await checkedReader(this.store, name, model)(reader.since, reader.epoch, limit);
    const stale = reader.since === undefined || reader.since < model.floor;
    assert.equal(page.reset, stale, `reader of ${name} at ${reader.since}, floor ${model.floor}`);
    applyPage(reader.state, page);
    this.readers.set(name, { state: reader.state, since: page.cursor, epoch: page.epoch });
    if (!page.more) assert.deepEqual(entries(reader.state), entries(model.history[page.cursor] ?? new Map()), `reader of ${name}`);
  }

  async finish(limits: () => number): Promise<void> {
    for (const name of REGIONS) {
      await this.checkRegion(name);
      await checkConvergence(this.store, name, this.model.region(name), limits);
      if (!this.readers.has(name)) continue;
      const head = this.model.region(name).head;
      for (let pulls = 0; pulls <= head + 2 && this.readers.get(name)?.since !== head; pulls++) await this.pull(name, limits());
      assert.equal(this.readers.get(name)?.since, head, `the reader of ${name} catches up`);
    }
  }
}

/** A property run over the given storage, which the run closes. */
function modelProperty(open: () => SqliteStorage) {
  return fc.asyncProperty(
    fc.array(step, { minLength: 1, maxLength: 50, size: "max" }),
    fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 6 }),
    async (steps, limits) => {
      const store = new VersoStore(open(), { maintenanceIntervalMs: 0 });
      try {
        const run = new Run(store);
        for (const s of steps) await run.step(s);
        let i = 0;
        await run.finish(() => limits[i++ % limits.length] ?? 1);
      } finally {
        await store.close();
      }
    },
  );
}

describe("VersoStore against a model", () => {
  it("answers like the model and its feed converges from every cursor", async () => {
    await fc.assert(
      modelProperty(() => new SqliteStorage({ path: ":memory:" })),
      { numRuns: RUNS },
    );
  });

  it("does the same when it commits on the writer thread and reads on the main thread", async () => {
    const dir = mkdtempSync(join(tmpdir(), "verso-model-writer-"));
    let file = 0;
    try {
      // Each run starts a thread on a new file: fewer runs, the same histories.
      await fc.assert(
        modelProperty(() => new SqliteStorage({ path: join(dir, `run-${file++}.db`), writerThread: true, synchronous: "normal" })),
        { numRuns: Math.max(1, Math.round(RUNS / 20)) },
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
