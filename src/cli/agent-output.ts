/**
 * What `verso agent` prints, made for large regions. In human form a page's changes are
 * one summary line (`-v`: one line per change, values included); a reset being built
 * shows its progress (rows, rows/s, and `rows n of N (p%)` when the reset page told how many rows it holds) on one rewritten line on a terminal, and `-o json`
 * reports it as `resetProgress` events at most once per `progressEveryMs`. Every failed
 * connection attempt is printed with its number and the delay before the next one.
 */
import type { EventEmitter } from "node:events";
import type { ReplicaEvents } from "../agent/events.js";
import type { ChangeOp } from "../agent/replica-store.js";

export interface AgentOutputOptions {
  format: "human" | "json";
  /** One line per change in human form, as JSON form always has. */
  verbose: boolean;
  /** stdout is a terminal: progress rewrites one line. */
  tty: boolean;
  out: (text: string) => void;
  err: (text: string) => void;
  now?: () => number;
  /** Least time between two progress reports. Default 1 s (a terminal: 250 ms). */
  progressEveryMs?: number;
  /** How long after a change its page's summary is printed if no other line comes first. Default 100 ms. */
  summaryDelayMs?: number;
}

export interface AgentOutput {
  /** Prints what is pending (a change summary); called before other lines and on exit. */
  flush(): void;
}

interface ResetRun {
  startedAt: number;
  rows: number;
  reportedAt: number;
  /** The live rows the reset holds, when the server tells it (its first page's `resetRows`). */
  total: number | undefined;
}

export function attachAgentOutput(replica: EventEmitter<ReplicaEvents>, options: AgentOutputOptions): AgentOutput {
  const now = options.now ?? (() => performance.now());
  const json = options.format === "json";
  const every = options.progressEveryMs ?? (options.tty && !json ? 250 : 1000);
  const line = (object: Record<string, unknown>, human: string) => options.out(`${json ? JSON.stringify(object) : human}\n`);
  let tally: { puts: number; dels: number; version: number; collections: Map<string, number> } | undefined;
  let reset: ResetRun | undefined;
  let progressShown = false;
  let failures = 0;

  const endProgressLine = () => {
    if (progressShown) options.out("\n");
    progressShown = false;
  };
  let flushTimer: NodeJS.Timeout | undefined;
  const flush = () => {
    clearTimeout(flushTimer);
    flushTimer = undefined;
    if (!tally) return;
    endProgressLine();
    const parts = [...tally.collections].map(([collection, n]) => `${collection} ${n}`).join(", ");
    options.out(`changes up to v${tally.version}: ${tally.puts} put, ${tally.dels} del (${parts})\n`);
    tally = undefined;
  };

  replica.on("change", (change: ChangeOp) => {
    if (json || options.verbose) {
      const value = change.op === "put" ? ` ${JSON.stringify(change.value)}` : "";
      line({ event: "change", ...change }, `change v${change.version} ${change.op} ${change.collection}/${change.key}${value}`);
      return;
    }
    tally ??= { puts: 0, dels: 0, version: 0, collections: new Map() };
    // A page's changes are delivered in a burst; the summary follows it shortly even if nothing else does.
    flushTimer ??= setTimeout(flush, options.summaryDelayMs ?? 100).unref();
    if (change.op === "put") tally.puts++;
    else tally.dels++;
    tally.version = Math.max(tally.version, change.version);
    tally.collections.set(change.collection, (tally.collections.get(change.collection) ?? 0) + 1);
  });

  replica.on("page", (page) => {
    flush();
    failures = 0;
    if (json) line({ event: "page", ...page }, "");
    if (page.reset) reset = { startedAt: now(), rows: 0, reportedAt: Number.NEGATIVE_INFINITY, total: page.resetRows };
    if (!reset) return;
    reset.rows += page.reset ? Math.max(0, page.ops - 1) : page.ops; // a reset's first op is its clear
    if (!page.more) {
      endProgressLine();
      reset = undefined;
      return;
    }
    const at = now();
    if (at - reset.reportedAt < every) return;
    reset.reportedAt = at;
    const seconds = Math.max((at - reset.startedAt) / 1000, 0.001);
    const rate = Math.round(reset.rows / seconds);
    const { rows, total } = reset;
    // Pages after the reset's first one may carry rows written since its snapshot: never past 100%.
    const percent = total === undefined ? undefined : total === 0 ? 100 : Math.min(100, Math.floor((rows * 100) / total));
    const progress = {
      event: "resetProgress",
      rows,
      ...(total !== undefined && { total, percent }),
      rowsPerSecond: rate,
      cursor: page.cursor,
      head: page.head,
    };
    const count =
      total === undefined
        ? `${rows.toLocaleString("en")} rows`
        : `rows ${rows.toLocaleString("en")} of ${total.toLocaleString("en")} (${percent}%)`;
    const human = `reset in progress: ${count}, ${rate.toLocaleString("en")} rows/s, cursor ${page.cursor}, head ${page.head}`;
    if (json) line(progress, "");
    else if (options.tty) {
      options.out(`\r${human}\x1b[K`);
      progressShown = true;
    } else options.out(`${human}\n`);
  });

  replica.on("reset", (done) => {
    flush();
    endProgressLine();
    line({ event: "reset", ...done }, `reset: epoch ${done.epoch || "-"}, cursor ${done.cursor}, ${done.rows} row(s)`);
  });

  replica.on("disconnect", ({ error, retryInMs }) => {
    flush();
    endProgressLine();
    failures++;
    options.err(`verso agent: disconnected (${describe(error)}); attempt ${failures + 1} in ${retryInMs} ms\n`);
  });

  return { flush };
}

function describe(error: Error): string {
  const cause = (error as { cause?: { code?: string } }).cause;
  return cause?.code ? `${error.message}: ${cause.code}` : error.message;
}
