/**
 * What the main thread and the SQLite writer thread say to each other. Errors cross
 * as plain fields: structured cloning keeps an Error's message but drops `code`, and
 * the code is how a full disk (SQLITE_FULL) becomes a 507 rather than a 500.
 */
import type { WriteCommand } from "../../model/write-command.js";
import type { WriteResult } from "../../model/write-outcome.js";
import type { Synchronous } from "../../sqlite/open-database.js";

export interface WriterSetup {
  path: string;
  synchronous?: Synchronous;
}

export type WriterRequest =
  /** `now` is the batch's clock reading, taken on the main thread so an injected clock still rules. */
  | { type: "write"; id: number; batch: readonly WriteCommand[]; now: number }
  | { type: "sweep"; id: number; before: number }
  /** Sent after every request: the thread answers those first, then closes its connection. */
  | { type: "close" };

export interface CrossedError {
  name: string;
  message: string;
  code?: string;
}

export type CrossedResult = WriteResult | { failed: CrossedError };

export type WriterReply =
  | { type: "ready" }
  | { type: "openFailed"; error: CrossedError }
  | { type: "written"; id: number; results: CrossedResult[] }
  | { type: "swept"; id: number; count: number }
  | { type: "failed"; id: number; error: CrossedError }
  | { type: "closed" };

export function crossError(error: unknown): CrossedError {
  if (!(error instanceof Error)) return { name: "Error", message: String(error) };
  const code = (error as { code?: unknown }).code;
  return { name: error.name, message: error.message, ...(typeof code === "string" && { code }) };
}

export function uncrossError(crossed: CrossedError): Error {
  const error = new Error(crossed.message) as Error & { code?: string };
  error.name = crossed.name;
  if (crossed.code !== undefined) error.code = crossed.code;
  return error;
}
