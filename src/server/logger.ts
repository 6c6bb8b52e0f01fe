/**
 * The server's logger: pino, one JSON object per line, or the same lines formatted for
 * a person (`pretty`, the default on a terminal). Request lines and lifecycle events
 * (start, stop, maintenance, watchers cut off, internal errors) all go through it.
 */
import { Writable } from "node:stream";
import pino, { type Logger } from "pino";
import { BatchingDestination, isoTime } from "./log-destination.js";

export type LogFormat = "json" | "pretty";
export const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface LoggerOptions {
  level?: LogLevel;
  format?: LogFormat;
  /** Where lines go; default stderr. */
  destination?: NodeJS.WritableStream;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const out = options.destination ?? process.stderr;
  const format = options.format ?? "json";
  const stream = new BatchingDestination(format === "pretty" ? prettyStream(out) : out);
  return pino({ level: options.level ?? "info", base: null, timestamp: isoTime }, stream);
}

const LEVEL_NAMES: Record<number, string> = { 10: "TRACE", 20: "DEBUG", 30: "INFO", 40: "WARN", 50: "ERROR", 60: "FATAL" };
const SKIPPED = new Set(["level", "time", "msg"]);

/**
 * `verso: serving http://…` for a lifecycle line, `verso: request method=GET … status=200`
 * for a request: the message, then the fields; levels other than info are named.
 */
export function prettyLine(json: string): string {
  let record: Record<string, unknown>;
  try {
    record = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json;
  }
  const level = Number(record.level) === 30 ? [] : [LEVEL_NAMES[Number(record.level)] ?? String(record.level)];
  const fields = Object.entries(record)
    .filter(([key, value]) => !SKIPPED.has(key) && value !== undefined && value !== null)
    .map(([key, value]) => `${key}=${typeof value === "string" ? value : JSON.stringify(value)}`);
  return `verso: ${[...level, String(record.msg ?? ""), ...fields].join(" ")}`;
}

function prettyStream(out: NodeJS.WritableStream): NodeJS.WritableStream {
  let partial = "";
  return new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      const lines = (partial + chunk.toString()).split("\n");
      partial = lines.pop() ?? "";
      if (lines.length > 0) out.write(`${lines.map(prettyLine).join("\n")}\n`);
      done();
    },
  });
}
