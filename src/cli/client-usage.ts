/**
 * What each client command takes, in one table: argument checking, `verso help CMD`
 * and the overview are all generated from it, so they cannot disagree.
 */

export const COMMON_OPTIONS = {
  server: "URL of the server (default $VERSO_SERVER or http://127.0.0.1:7070)",
  token: "bearer token (default $VERSO_TOKEN)",
  ca: "PEM file of a private CA to trust for https servers (default $VERSO_CA)",
  output: "human (default) or json: one JSON document per line on stdout, errors as JSON on stderr",
} as const;

export const OPTION_HELP = {
  "idempotency-key": "a retry with the same key gets the first answer (default: a new key per call, kept for its own retries)",
  "if-match": 'only if the row is at version V now (also accepts the ETag form "V"); else 412 version_mismatch',
  "if-absent": "only if the row does not exist; else 412 version_mismatch",
  "min-version": "first wait until the region reaches version N (read your own writes)",
  "timeout-ms": "how long --min-version may wait (default 5000); then 504 consistency_timeout",
  after: "start after this key (the `next` of the previous page)",
  limit: "page size (rows, or ops for changes)",
  since: "the cursor of the last page applied; without it the first page is a reset",
  epoch: "the epoch that cursor belongs to; another epoch gets a reset",
  "wait-ms": "long-poll: wait up to W ms for something newer than --since",
  follow: "keep long-polling and print changes as they arrive, reconnecting after a restart (Ctrl-C stops)",
  "retain-versions": "keep the tombstones of the last N versions, purge older ones",
  "before-version": "purge the tombstones below version V",
  region: "only the agents of this region",
} as const;

export type ClientOption = keyof typeof OPTION_HELP;

export interface CommandSpec {
  args: string[];
  /** The options after the arguments, as shown in the usage line. */
  synopsis: string;
  options: ClientOption[];
  summary: string;
  details?: string;
}

export const CLIENT_COMMANDS: Record<string, CommandSpec> = {
  regions: { args: [], synopsis: "", options: [], summary: "list the regions with their version, floor and epoch" },
  agents: {
    args: [],
    synopsis: "[--region R]",
    options: ["region"],
    summary: "list the agents that report to the server: applied version, lag, last report and state",
    details: "state: live, behind (lagging a change older than --agent-behind-after) or stale (silent for --agent-stale-after)",
  },
  version: { args: ["REGION"], synopsis: "", options: [], summary: "a region's version (head), floor and epoch" },
  "next-version": {
    args: ["REGION"],
    synopsis: "[--idempotency-key K]",
    options: ["idempotency-key"],
    summary: "take the region's next version without changing any row",
  },
  put: {
    args: ["REGION", "COLLECTION", "KEY", "VALUE"],
    synopsis: "[--if-match V | --if-absent] [--idempotency-key K]",
    options: ["if-match", "if-absent", "idempotency-key"],
    summary: "write a row; VALUE is JSON, @FILE or - (stdin)",
    details: `quote JSON for the shell: '{"replicas": 3}'`,
  },
  get: {
    args: ["REGION", "COLLECTION", "KEY"],
    synopsis: "[--min-version N [--timeout-ms T]]",
    options: ["min-version", "timeout-ms"],
    summary: "read a row",
  },
  list: {
    args: ["REGION", "COLLECTION"],
    synopsis: "[--after KEY] [--limit N]",
    options: ["after", "limit"],
    summary: "list the live rows of a collection in key order",
  },
  delete: {
    args: ["REGION", "COLLECTION", "KEY"],
    synopsis: "[--if-match V] [--idempotency-key K]",
    options: ["if-match", "idempotency-key"],
    summary: "delete a row (a tombstone at a new version)",
  },
  txn: {
    args: ["REGION", "OPS"],
    synopsis: "[--idempotency-key K]",
    options: ["idempotency-key"],
    summary: "apply several puts and deletes at one version, all or nothing; OPS is JSON, @FILE or -",
    details: `OPS is a JSON array of ops (or {"ops": [...]}); an op is
{"op": "put", "collection": C, "key": K, "value": V, "ifVersion": N} or
{"op": "delete", "collection": C, "key": K, "ifVersion": N}; ifVersion is optional, 0 = must be absent`,
  },
  changes: {
    args: ["REGION"],
    synopsis: "[--since V [--epoch E]] [--limit N] [--wait-ms W] [--follow]",
    options: ["since", "epoch", "limit", "wait-ms", "follow"],
    summary: "print the change feed from a cursor (all pages until the head)",
  },
  watch: {
    args: ["REGION"],
    synopsis: "[--since V [--epoch E]]",
    options: ["since", "epoch"],
    summary: "stream the change feed (SSE) and print changes as they arrive, reconnecting and resuming after a restart (Ctrl-C stops)",
  },
  compact: {
    args: ["REGION"],
    synopsis: "--retain-versions N | --before-version V [--idempotency-key K]",
    options: ["retain-versions", "before-version", "idempotency-key"],
    summary: "purge old tombstones and raise the region's floor",
  },
};

export function usageLine(name: string): string {
  const spec = CLIENT_COMMANDS[name];
  if (!spec) return `verso ${name}`;
  return ["verso", name, ...spec.args, spec.synopsis].filter(Boolean).join(" ");
}

/** `verso help CMD`: the usage line, what the command does, and each of its options. */
export function commandHelp(name: string): string {
  const spec = CLIENT_COMMANDS[name];
  if (!spec) return "";
  const options: Array<[string, string]> = spec.options.map((o) => [flag(o), OPTION_HELP[o]]);
  options.push(
    ["--server URL", COMMON_OPTIONS.server],
    ["--token T", COMMON_OPTIONS.token],
    ["--ca FILE", COMMON_OPTIONS.ca],
    ["-o human|json", COMMON_OPTIONS.output],
  );
  const width = Math.max(...options.map(([f]) => f.length));
  return [
    `usage: ${usageLine(name)}`,
    `  ${spec.summary}`,
    ...(spec.details ? spec.details.split("\n").map((line) => `  ${line}`) : []),
    "",
    "options:",
    ...options.map(([f, text]) => `  ${f.padEnd(width)}  ${text}`),
  ].join("\n");
}

/** The client part of `verso help`. */
export function clientOverview(): string {
  const lines = Object.keys(CLIENT_COMMANDS).map((name) => [usageLine(name), CLIENT_COMMANDS[name]?.summary ?? ""]);
  return [
    "client commands (--server URL, --token T, -o human|json; `verso help CMD` for details):",
    ...lines.map(([usage, summary]) => `  ${usage}\n      ${summary}`),
  ].join("\n");
}

const VALUE_NAMES: Partial<Record<ClientOption, string>> = {
  "idempotency-key": "K",
  "if-match": "V",
  "min-version": "N",
  "timeout-ms": "T",
  after: "KEY",
  limit: "N",
  since: "V",
  epoch: "E",
  "wait-ms": "W",
  "retain-versions": "N",
  "before-version": "V",
};

function flag(option: ClientOption): string {
  const value = VALUE_NAMES[option];
  return value ? `--${option} ${value}` : `--${option}`;
}
