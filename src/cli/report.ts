/** How failures of client commands are shown: the contract's error code first, then its details. */
import { ForeignResponseError } from "../client/foreign-response.js";
import { VersoError } from "../protocol/errors.js";
import type { CurrentRow, TxnFailure } from "../protocol/types.js";
import type { Format } from "./output.js";

/** Whether reportFailure knows how to show this error. */
export function isReportable(error: unknown): boolean {
  return error instanceof VersoError || error instanceof ForeignResponseError || networkFailure(error) !== undefined;
}

/** Prints a contract error or an unreachable server and returns exit code 1; rethrows anything else. */
export function reportFailure(error: unknown, format: Format, server?: string): number {
  if (error instanceof VersoError) {
    if (format === "json") process.stderr.write(`${JSON.stringify(error.toBody())}\n`);
    else
      process.stderr.write(
        `${[`verso: ${error.code} (${error.status}): ${error.message}`, ...details(error.extra), ...tokenHint(error.status)].join("\n")}\n`,
      );
    return 1;
  }
  if (error instanceof ForeignResponseError) {
    process.stderr.write(`${foreignLines(error, server).join("\n")}\n`);
    return 1;
  }
  const reason = networkFailure(error);
  if (reason === undefined) throw error;
  const hint = certificateProblem(error)
    ? "  its TLS certificate is not trusted: give the CA that signed it with --ca FILE or VERSO_CA."
    : '  is "verso serve" running there? Point elsewhere with --server URL or VERSO_SERVER.';
  process.stderr.write(`verso: cannot reach the server${server ? ` at ${server}` : ""} (${reason})\n${hint}\n`);
  return 1;
}

const TOKEN_HINT = "  give a token with --token TOKEN or the VERSO_TOKEN variable";

function tokenHint(status: number): string[] {
  return status === 401 ? [TOKEN_HINT] : [];
}

function foreignLines(error: ForeignResponseError, server: string | undefined): string[] {
  const status = `HTTP ${error.status}${error.statusText ? ` ${error.statusText}` : ""}${error.contentType ? `, ${error.contentType}` : ""}`;
  return [
    `verso: the server${server ? ` at ${server}` : ""} did not answer like verso (${status})`,
    ...(error.excerpt ? [`  it answered: ${error.excerpt.split("\n", 3).join(" ")}`] : []),
    ...tokenHint(error.status),
    '  is "verso serve" running there? Point elsewhere with --server URL or VERSO_SERVER.',
  ];
}

function details(extra: Record<string, unknown>): string[] {
  const lines: string[] = [];
  for (const [name, value] of Object.entries(extra)) {
    if (name === "current") lines.push(`  current: ${describeCurrent(value as CurrentRow)}`);
    else if (name === "failures" && Array.isArray(value)) {
      for (const f of value as TxnFailure[])
        lines.push(`  op ${f.index} (${f.collection}/${f.key}): current ${describeCurrent(f.current)}`);
    } else lines.push(`  ${name}: ${JSON.stringify(value)}`);
  }
  return lines;
}

function describeCurrent(current: CurrentRow): string {
  return current === null ? "absent" : `version ${current.version}, value ${JSON.stringify(current.value)}`;
}

/** fetch() fails with a TypeError whose cause says why the connection did not happen. */
export function networkFailure(error: unknown): string | undefined {
  if (!(error instanceof TypeError) || error.message !== "fetch failed") return undefined;
  const cause = error.cause as (Error & { code?: string; errors?: Error[] }) | undefined;
  return cause?.errors?.[0]?.message ?? cause?.message ?? cause?.code ?? "network error";
}

/** The connection failed on the server's certificate (Node's TLS error codes), not on reaching it. */
function certificateProblem(error: unknown): boolean {
  const code = ((error as Error).cause as { code?: string } | undefined)?.code ?? "";
  return /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS_CERT/.test(code);
}
