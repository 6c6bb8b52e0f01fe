/** Reading command-line input: numbers, JSON from an argument, a file or stdin, and conditions. */
import { readFileSync } from "node:fs";
import type { Json } from "../protocol/types.js";
import type { Format } from "./output.js";
import { UsageError } from "./usage-error.js";

export function int(text: string, what: string, min = 0): number {
  const value = Number(text);
  if (!/^\d{1,16}$/.test(text) || !Number.isSafeInteger(value) || value < min) {
    throw new UsageError(`${what} must be an integer >= ${min}, got ${JSON.stringify(text)}`);
  }
  return value;
}

/** A TCP port; 0 asks the system for a free one. */
export function port(text: string, what = "--port"): number {
  const value = int(text, what);
  if (value > 65535) throw new UsageError(`${what} must be 0-65535, got ${text}`);
  return value;
}

/** The -o flag. */
export function outputFormat(raw: string | undefined): Format {
  const format = raw ?? "human";
  if (format !== "human" && format !== "json") throw new UsageError(`-o must be human or json, got ${JSON.stringify(format)}`);
  return format;
}

/** JSON given inline, as @FILE, or as - for stdin. */
export function readJson(raw: string, what: string): Json {
  let text = raw;
  if (raw === "-") text = read(0, "stdin");
  else if (raw.startsWith("@")) text = read(raw.slice(1), raw.slice(1));
  try {
    return JSON.parse(text) as Json;
  } catch (error) {
    const hint = raw === "-" || raw.startsWith("@") ? "" : `; quote it for the shell, e.g. '{"replicas": 3}'`;
    throw new UsageError(`${what} is not valid JSON (${(error as Error).message})${hint}`);
  }
}

function read(source: string | number, name: string): string {
  try {
    return readFileSync(source, "utf8");
  } catch (error) {
    throw new UsageError(`cannot read ${name}: ${(error as Error).message}`);
  }
}

/** --if-match V (bare or as the ETag "V") or --if-absent, as the client's ifVersion. */
export function condition(ifMatch: string | undefined, ifAbsent: boolean | undefined): { ifVersion?: number } {
  if (ifAbsent && ifMatch !== undefined) throw new UsageError("use --if-match or --if-absent, not both");
  if (ifAbsent) return { ifVersion: 0 };
  if (ifMatch === undefined) return {};
  const bare = /^"(.*)"$/.exec(ifMatch)?.[1] ?? ifMatch;
  if (bare === "0") throw new UsageError("--if-match takes a version >= 1; for a row that must not exist use --if-absent");
  return { ifVersion: int(bare, "--if-match", 1) };
}
