/** The client commands: one per call of the contract, over HTTP. */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { VersoClient } from "../client/http-client.js";
import type { CompactRequest, Json, Page, TxnOp } from "../protocol/types.js";
import { UsageError } from "./durations.js";
import { print, table } from "./output.js";

export const CLIENT_USAGE = `client commands (all take --server URL, default $VERSO_SERVER or http://127.0.0.1:7070,
--token T or $VERSO_TOKEN, -o human|json, --idempotency-key K on writes):
  verso regions
  verso version REGION
  verso next-version REGION
  verso put REGION COLLECTION KEY VALUE   VALUE is JSON, @file or - (stdin); --if-match V | --if-absent
  verso get REGION COLLECTION KEY         [--min-version N --timeout-ms T]
  verso list REGION COLLECTION            [--after KEY --limit N]
  verso delete REGION COLLECTION KEY      [--if-match V]
  verso txn REGION OPS                    OPS is {"ops":[...]} or [...] as JSON, @file or -
  verso changes REGION                    [--since V --epoch E --limit N --wait-ms W --follow]
  verso compact REGION                    --retain-versions N | --before-version V`;

const OPTIONS = {
  server: { type: "string" },
  token: { type: "string" },
  output: { type: "string", short: "o", default: "human" },
  "idempotency-key": { type: "string" },
  "if-match": { type: "string" },
  "if-absent": { type: "boolean", default: false },
  "min-version": { type: "string" },
  "timeout-ms": { type: "string" },
  after: { type: "string" },
  limit: { type: "string" },
  since: { type: "string" },
  epoch: { type: "string" },
  "wait-ms": { type: "string" },
  follow: { type: "boolean", default: false },
  "retain-versions": { type: "string" },
  "before-version": { type: "string" },
} as const;

type Values = ReturnType<typeof parse>["values"];

function parse(argv: string[]) {
  return parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
}

export const CLIENT_COMMANDS = new Set(["regions", "version", "next-version", "put", "get", "list", "delete", "txn", "changes", "compact"]);

export async function clientCommand(name: string, argv: string[]): Promise<void> {
  const { values, positionals } = parse(argv);
  const format = values.output;
  if (format !== "human" && format !== "json") throw new UsageError("-o must be human or json");
  const token = values.token ?? process.env.VERSO_TOKEN;
  const client = new VersoClient({
    server: values.server ?? process.env.VERSO_SERVER ?? "http://127.0.0.1:7070",
    ...(token && { token }),
  });
  const args = (count: number, names: string) => {
    if (positionals.length !== count) throw new UsageError(`usage: verso ${name} ${names}`);
    return positionals as string[];
  };
  const write = values["idempotency-key"] ? { idempotencyKey: values["idempotency-key"] } : {};
  switch (name) {
    case "regions": {
      args(0, "");
      const regions = await client.regions();
      return print(format, { regions }, () =>
        regions.length === 0
          ? "no regions yet"
          : table([
              ["REGION", "VERSION", "FLOOR", "EPOCH"],
              ...regions.map((r) => [r.region, String(r.version), String(r.floor), r.epoch]),
            ]),
      );
    }
    case "version": {
      const [region = ""] = args(1, "REGION");
      const r = await client.region(region);
      return print(format, r, () => `${r.region}: version ${r.version}, floor ${r.floor}, epoch ${r.epoch || "(never written)"}`);
    }
    case "next-version": {
      const [region = ""] = args(1, "REGION");
      const r = await client.nextVersion(region, write);
      return print(format, r, () => `${r.region}: version ${r.version}`);
    }
    case "put": {
      const [region = "", collection = "", key = "", raw = ""] = args(4, "REGION COLLECTION KEY VALUE");
      const r = await client.put(region, collection, key, readJson(raw, "VALUE"), { ...write, ...condition(values) });
      return print(format, r, () => `${r.region} ${r.collection}/${r.key}: version ${r.version}`);
    }
    case "get": {
      const [region = "", collection = "", key = ""] = args(3, "REGION COLLECTION KEY");
      const r = await client.get(region, collection, key, {
        ...(values["min-version"] && { minVersion: int(values["min-version"], "--min-version") }),
        ...(values["timeout-ms"] && { timeoutMs: int(values["timeout-ms"], "--timeout-ms") }),
      });
      return print(format, r, () => `${r.key} @ version ${r.version}\n${JSON.stringify(r.value, null, 2)}`);
    }
    case "list": {
      const [region = "", collection = ""] = args(2, "REGION COLLECTION");
      const r = await client.list(region, collection, {
        ...(values.after && { after: values.after }),
        ...(values.limit && { limit: int(values.limit, "--limit") }),
      });
      return print(format, r, () =>
        [
          table([["KEY", "VERSION", "VALUE"], ...r.rows.map((row) => [row.key, String(row.version), JSON.stringify(row.value)])]),
          r.next ? `more: --after ${r.next}` : "",
        ]
          .filter(Boolean)
          .join("\n"),
      );
    }
    case "delete": {
      const [region = "", collection = "", key = ""] = args(3, "REGION COLLECTION KEY");
      const r = await client.delete(region, collection, key, { ...write, ...condition(values) });
      return print(format, r, () => `${region} ${collection}/${key}: deleted at version ${r.version}`);
    }
    case "txn": {
      const [region = "", raw = ""] = args(2, "REGION OPS");
      const parsed = readJson(raw, "OPS");
      const ops = (Array.isArray(parsed) ? parsed : (parsed as { ops?: unknown })?.ops) as TxnOp[];
      const r = await client.transact(region, ops, write);
      return print(format, r, () => `${region}: committed at version ${r.version}`);
    }
    case "changes": {
      const [region = ""] = args(1, "REGION");
      let since = values.since !== undefined ? int(values.since, "--since") : undefined;
      let epoch = values.epoch;
      let resetHead: number | undefined;
      for (;;) {
        const waitMs = values["wait-ms"] ? int(values["wait-ms"], "--wait-ms") : values.follow ? 30_000 : undefined;
        const page = await client.changes(region, {
          ...(since !== undefined && { since }),
          ...(epoch !== undefined && { epoch }),
          ...(resetHead !== undefined && { resetHead }),
          ...(values.limit && { limit: int(values.limit, "--limit") }),
          ...(waitMs !== undefined && { waitMs }),
        });
        print(format, page, () => describePage(page));
        if (!values.follow && !page.more) return;
        if (page.reset) resetHead = page.head;
        if (!page.more) resetHead = undefined;
        since = page.cursor;
        epoch = page.epoch;
      }
    }
    case "compact": {
      const [region = ""] = args(1, "REGION");
      const request: CompactRequest | undefined =
        values["retain-versions"] !== undefined && values["before-version"] === undefined
          ? { retainVersions: int(values["retain-versions"], "--retain-versions") }
          : values["before-version"] !== undefined && values["retain-versions"] === undefined
            ? { beforeVersion: int(values["before-version"], "--before-version") }
            : undefined;
      if (!request) throw new UsageError("compact takes exactly one of --retain-versions N or --before-version V");
      const r = await client.compact(region, request, write);
      return print(format, r, () => `${region}: floor ${r.floor}, purged ${r.purged} tombstone(s)`);
    }
  }
}

function describePage(page: Page): string {
  const lines = page.ops.map((op) => {
    if (op.op === "clear") return "clear";
    if (op.op === "del") return `v${op.version}  del  ${op.collection}/${op.key}`;
    return `v${op.version}  put  ${op.collection}/${op.key}  ${JSON.stringify(op.value)}`;
  });
  const summary = `-- ${page.reset ? "reset, " : ""}cursor ${page.cursor}, head ${page.head}${page.more ? ", more" : ""} (epoch ${page.epoch || "-"})`;
  return [...lines, summary].join("\n");
}

function condition(values: Values): { ifVersion?: number } {
  if (values["if-absent"] && values["if-match"] !== undefined) throw new UsageError("use --if-match or --if-absent, not both");
  if (values["if-absent"]) return { ifVersion: 0 };
  if (values["if-match"] !== undefined) return { ifVersion: int(values["if-match"], "--if-match") };
  return {};
}

function int(text: string, what: string): number {
  if (!/^\d+$/.test(text)) throw new UsageError(`${what} must be a non-negative integer, got ${JSON.stringify(text)}`);
  return Number(text);
}

function readJson(raw: string, what: string): Json {
  const text = raw === "-" ? readFileSync(0, "utf8") : raw.startsWith("@") ? readFileSync(raw.slice(1), "utf8") : raw;
  try {
    return JSON.parse(text) as Json;
  } catch (error) {
    throw new UsageError(`${what} is not valid JSON (${(error as Error).message}); quote it for the shell, e.g. '{"replicas": 3}'`);
  }
}
