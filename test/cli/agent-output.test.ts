import assert from "node:assert/strict";
import { EventEmitter } from "node:events";
import { describe, it } from "node:test";
import type { ReplicaEvents } from "../../src/agent/events.js";
import { attachAgentOutput } from "../../src/cli/agent-output.js";

function harness(format: "human" | "json", extra: { verbose?: boolean; tty?: boolean } = {}) {
  const replica = new EventEmitter<ReplicaEvents>();
  const out: string[] = [];
  const err: string[] = [];
  let clock = 0;
  const output = attachAgentOutput(replica, {
    format,
    verbose: extra.verbose ?? false,
    tty: extra.tty ?? false,
    out: (text) => out.push(text),
    err: (text) => err.push(text),
    now: () => clock,
    progressEveryMs: 1000,
    summaryDelayMs: 60_000,
  });
  return { replica, out, err, output, tick: (ms: number) => (clock += ms) };
}

const page = (ops: number, cursor: number, reset: boolean, more: boolean) => ({ ops, reset, cursor, head: 100, more });

describe("verso agent output", () => {
  it("summarises a page's changes in one human line; -v prints each change with its value", () => {
    const quiet = harness("human");
    quiet.replica.emit("page", page(3, 7, false, false));
    quiet.replica.emit("change", { op: "put", collection: "deployments", key: "a", version: 6, value: { big: "x".repeat(1000) } });
    quiet.replica.emit("change", { op: "put", collection: "deployments", key: "b", version: 7, value: 1 });
    quiet.replica.emit("change", { op: "del", collection: "gateways", key: "g", version: 7 });
    quiet.output.flush();
    assert.deepEqual(quiet.out, ["changes up to v7: 2 put, 1 del (deployments 2, gateways 1)\n"]);

    const verbose = harness("human", { verbose: true });
    verbose.replica.emit("change", { op: "put", collection: "deployments", key: "b", version: 7, value: 1 });
    verbose.output.flush();
    assert.deepEqual(verbose.out, ["change v7 put deployments/b 1\n"]);
  });

  it("reports a reset's progress, rows and rows/s, at most once per interval, as JSON events", () => {
    const h = harness("json");
    h.replica.emit("page", page(1001, 10, true, true)); // the clear and 1000 rows
    h.tick(500);
    h.replica.emit("page", page(1000, 20, false, true)); // within the interval: no report
    h.tick(1500);
    h.replica.emit("page", page(1000, 30, false, true));
    h.replica.emit("page", page(10, 100, false, false));
    const progress = h.out.map((l) => JSON.parse(l)).filter((e) => e.event === "resetProgress");
    assert.deepEqual(progress, [
      { event: "resetProgress", rows: 1000, rowsPerSecond: 1_000_000, cursor: 10, head: 100 },
      { event: "resetProgress", rows: 3000, rowsPerSecond: 1500, cursor: 30, head: 100 },
    ]);
  });

  it("shows a percentage when the reset page told how many rows the reset holds", () => {
    const json = harness("json");
    json.replica.emit("page", { ...page(1001, 10, true, true), resetRows: 4000 });
    json.tick(2000);
    json.replica.emit("page", page(1000, 20, false, true));
    json.tick(2000);
    // Rows written during the reset may come on top: the percentage stops at 100.
    json.replica.emit("page", page(2500, 90, false, true));
    const progress = json.out.map((l) => JSON.parse(l)).filter((e) => e.event === "resetProgress");
    assert.deepEqual(
      progress.map(({ rows, total, percent }) => ({ rows, total, percent })),
      [
        { rows: 1000, total: 4000, percent: 25 },
        { rows: 2000, total: 4000, percent: 50 },
        { rows: 4500, total: 4000, percent: 100 },
      ],
    );

    const tty = harness("human", { tty: true });
    tty.replica.emit("page", { ...page(1_234, 10, true, true), resetRows: 9_870 });
    tty.tick(2000);
    tty.replica.emit("page", page(3_702, 20, false, true));
    assert.ok(tty.out[0]?.startsWith("\rreset in progress: rows 1,233 of 9,870 (12%), "), tty.out[0]);
    assert.ok(tty.out[1]?.startsWith("\rreset in progress: rows 4,935 of 9,870 (50%), 2,468 rows/s"), tty.out[1]);
  });

  it("rewrites one progress line on a terminal and ends it before the next line", () => {
    const h = harness("human", { tty: true });
    h.replica.emit("page", page(11, 10, true, true));
    h.tick(2000);
    h.replica.emit("page", page(10, 20, false, true));
    h.replica.emit("reset", { epoch: "e", cursor: 100, rows: 20 });
    assert.ok(h.out[0]?.startsWith("\rreset in progress: 10 rows"));
    assert.ok(h.out[1]?.startsWith("\rreset in progress: 20 rows, 10 rows/s"));
    assert.deepEqual(h.out.slice(2), ["\n", "reset: epoch e, cursor 100, 20 row(s)\n"]);
  });

  it("prints every failed connection attempt with its number and delay", () => {
    const h = harness("human");
    const error = Object.assign(new Error("fetch failed"), { cause: { code: "ECONNREFUSED" } });
    h.replica.emit("disconnect", { error, retryInMs: 0 });
    h.replica.emit("disconnect", { error, retryInMs: 210 });
    h.replica.emit("disconnect", { error, retryInMs: 390 });
    h.replica.emit("page", page(1, 5, false, false));
    h.replica.emit("disconnect", { error, retryInMs: 0 });
    assert.deepEqual(h.err, [
      "verso agent: disconnected (fetch failed: ECONNREFUSED); attempt 2 in 0 ms\n",
      "verso agent: disconnected (fetch failed: ECONNREFUSED); attempt 3 in 210 ms\n",
      "verso agent: disconnected (fetch failed: ECONNREFUSED); attempt 4 in 390 ms\n",
      "verso agent: disconnected (fetch failed: ECONNREFUSED); attempt 2 in 0 ms\n",
    ]);
  });
});
