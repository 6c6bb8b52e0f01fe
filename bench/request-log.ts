/**
 * What one request log line costs the server, in CPU time, written to a file as
 * `verso serve 2>file` does: verso's logger (createLogger: request lines gathered for up
 * to 10 ms, the timestamp's date formatted once a second) against pino writing each line
 * synchronously, as it did to a redirected stderr before, and against pino's asynchronous
 * sonic-boom destination. Each turn of the event loop logs K lines, as a server answering
 * K requests in one turn would; CPU is user + system of this process (sonic-boom's writes
 * run on libuv's threads and are counted too), net of the same loop logging nothing.
 *
 *   node --import tsx bench/request-log.ts [--lines 100000] [--runs 5]
 */
import { closeSync, openSync, writeSync } from "node:fs";
import { Writable } from "node:stream";
import { parseArgs } from "node:util";
import pino, { type Logger } from "pino";
import { createLogger } from "../src/server/logger.js";
import { median } from "./measure.js";
import { tempDir } from "./temp.js";

const { values } = parseArgs({ options: { lines: { type: "string", default: "100000" }, runs: { type: "string", default: "5" } } });
const LINES = Number(values.lines);
const RUNS = Number(values.runs);
const PER_TURN = [1, 4, 16];

/** A file written with one synchronous write per chunk: what process.stderr is when redirected to a file. */
function syncFile(path: string): { stream: Writable; close: () => void } {
  const fd = openSync(path, "w");
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      writeSync(fd, chunk);
      done();
    },
  });
  return { stream, close: () => closeSync(fd) };
}

interface Side {
  name: string;
  open: (path: string) => { logger: Logger; close: () => Promise<void> };
}

const PINO_OPTIONS = { level: "info", base: null, timestamp: pino.stdTimeFunctions.isoTime } as const;
const sides: Side[] = [
  {
    name: "nothing written (the loop's own cost)",
    open: () => ({ logger: pino({ level: "silent" }), close: async () => undefined }),
  },
  {
    name: "pino, a write per line (before)",
    open: (path) => {
      const file = syncFile(path);
      return { logger: pino(PINO_OPTIONS, file.stream), close: async () => file.close() };
    },
  },
  {
    name: "pino, sonic-boom asynchronous",
    open: (path) => {
      const destination = pino.destination({ dest: path, sync: false });
      return {
        logger: pino(PINO_OPTIONS, destination),
        close: () =>
          new Promise<void>((resolve) => {
            destination.once("close", () => resolve());
            destination.end();
          }),
      };
    },
  },
  {
    name: "createLogger: gathered up to 10 ms (now)",
    open: (path) => {
      const file = syncFile(path);
      const logger = createLogger({ format: "json", destination: file.stream });
      return {
        logger,
        close: async () => {
          logger.flush();
          file.close();
        },
      };
    },
  },
];

const turn = () => new Promise((resolve) => setImmediate(resolve));

/** CPU µs per line with `perTurn` lines logged per turn of the event loop. */
async function measure(side: Side, perTurn: number, path: string): Promise<number> {
  const { logger, close } = side.open(path);
  const request = logger.child({ reqId: "req-1" });
  const started = process.cpuUsage();
  for (let i = 0; i < LINES; i += perTurn) {
    for (let j = 0; j < perTurn; j++) {
      request.info(
        {
          method: "PUT",
          route: "/v1/regions/:region/collections/:collection/rows/:key",
          url: `/v1/regions/bench/collections/services/rows/d${i + j}`,
          status: 200,
          durationMs: 1.23,
          region: "bench",
          token: null,
          replayed: false,
        },
        "request",
      );
    }
    await turn();
  }
  await close();
  const used = process.cpuUsage(started);
  return (used.user + used.system) / LINES;
}

const temp = tempDir();
try {
  process.stdout.write(`request-log: ${LINES} lines per sample, ${RUNS} samples per figure, to a file in ${temp.dir}\n`);
  for (const perTurn of PER_TURN) {
    const samples = sides.map(() => [] as number[]);
    for (let run = 0; run < RUNS; run++) {
      // Sides take turns, so drift in the machine's load falls on each.
      for (const [i, side] of sides.entries()) samples[i]?.push(await measure(side, perTurn, temp.file(`log-${i}`)));
    }
    // Net of the loop's own cost, so that what is compared is the line alone.
    const loop = median(samples[0] ?? []);
    const baseline = median(samples[1] ?? []) - loop;
    for (const [i, side] of sides.entries()) {
      if (i === 0) continue;
      const us = median(samples[i] ?? []) - loop;
      process.stdout.write(
        `${String(perTurn).padStart(2)} lines/turn  ${side.name.padEnd(46)} ${us.toFixed(2).padStart(6)} µs CPU/line  ${(baseline / us).toFixed(2)}x\n`,
      );
    }
  }
} finally {
  temp.remove();
}
