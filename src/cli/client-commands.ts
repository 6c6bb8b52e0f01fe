/** The client commands: one per call of the contract, over HTTP. */
import { parseArgs } from "node:util";
import type { VersoClient } from "../client/http-client.js";
import { advance, type FeedPosition } from "../protocol/feed-position.js";
import type { CompactRequest, Page, TxnOp } from "../protocol/types.js";
import { CLIENT_COMMANDS, type ClientOption, usageLine } from "./client-usage.js";
import { clientFrom } from "./connection.js";
import { waitToReconnect } from "./follow-reconnect.js";
import { condition, int, outputFormat, readJson } from "./inputs.js";
import { type Format, print, table } from "./output.js";
import { describePage } from "./page-output.js";
import { isParseArgsError, parseArgsProblem } from "./parse-args-error.js";
import { reportFailure } from "./report.js";
import { UsageError } from "./usage-error.js";
import { watchChanges } from "./watch-command.js";

const OPTIONS = {
  server: { type: "string" },
  token: { type: "string" },
  ca: { type: "string" },
  output: { type: "string", short: "o" },
  "idempotency-key": { type: "string" },
  "if-match": { type: "string" },
  "if-absent": { type: "boolean" },
  "min-version": { type: "string" },
  "timeout-ms": { type: "string" },
  after: { type: "string" },
  limit: { type: "string" },
  since: { type: "string" },
  epoch: { type: "string" },
  "wait-ms": { type: "string" },
  follow: { type: "boolean" },
  "retain-versions": { type: "string" },
  "before-version": { type: "string" },
  region: { type: "string" },
} as const;

const COMMON = new Set(["server", "token", "ca", "output"]);

type Values = ReturnType<typeof parse>["values"];

function parse(argv: string[]) {
  return parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
}

export function isClientCommand(name: string): boolean {
  return Object.hasOwn(CLIENT_COMMANDS, name);
}

/** A usage mistake in one command: shows that command's usage line. */
function misuse(name: string, problem: string): UsageError {
  return new UsageError(`${name}: ${problem}\nusage: ${usageLine(name)}`, `run "verso help ${name}" for details`);
}

/** Runs a client command; resolves with its exit code (0, or 1 for a contract error or an unreachable server). */
export async function clientCommand(name: string, argv: string[]): Promise<number> {
  const spec = CLIENT_COMMANDS[name];
  if (!spec) throw new UsageError(`unknown command ${JSON.stringify(name)}`);
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (error) {
    throw misuse(name, isParseArgsError(error) ? parseArgsProblem(error) : (error as Error).message);
  }
  const { values, positionals } = parsed;
  for (const option of Object.keys(values)) {
    if (COMMON.has(option) || spec.options.includes(option as ClientOption)) continue;
    throw misuse(name, `--${option} does not apply to ${name}`);
  }
  if (positionals.length !== spec.args.length) {
    const expected = spec.args.length === 0 ? "no arguments" : spec.args.join(" ");
    throw misuse(name, `expected ${expected}, got ${positionals.length} argument(s)`);
  }
  let format: Format;
  let connection: ReturnType<typeof clientFrom>;
  try {
    format = outputFormat(values.output);
    connection = clientFrom(values);
  } catch (error) {
    throw misuse(name, (error as Error).message);
  }
  const { client, server } = connection;
  try {
    await run(name, positionals, values, format, client);
    return 0;
  } catch (error) {
    if (error instanceof UsageError) throw misuse(name, error.message);
    return reportFailure(error, format, server);
  }
}

async function run(name: string, args: string[], values: Values, format: Format, client: VersoClient): Promise<void> {
  const [region = "", collection = "", key = "", value = ""] = args;
  const write = values["idempotency-key"] ? { idempotencyKey: values["idempotency-key"] } : {};
  switch (name) {
    case "regions": {
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
    case "agents": {
      const agents = await client.agents(values.region);
      return print(format, { agents }, () =>
        agents.length === 0
          ? "no agents have reported"
          : table([
              ["REGION", "ID", "NAME", "STATE", "APPLIED", "HANDLED", "HEAD", "LAG", "LAG(S)", "LAST SEEN", "TRANSPORT", "TOKEN"],
              ...agents.map((a) => [
                a.region,
                a.id,
                a.name ?? "-",
                a.state,
                String(a.applied),
                a.handled === null ? "-" : String(a.handled),
                String(a.head),
                String(a.lagVersions),
                a.lagSeconds.toFixed(1),
                a.lastSeen,
                a.transport,
                a.tokenName ?? "-",
              ]),
            ]),
      );
    }
    case "version": {
      const r = await client.getVersion(region);
      return print(format, r, () => `${r.region}: version ${r.version}, floor ${r.floor}, epoch ${r.epoch || "(never written)"}`);
    }
    case "next-version": {
      const r = await client.nextVersion(region, write);
      return print(format, r, () => `${r.region}: version ${r.version}`);
    }
    case "put": {
      const body = readJson(value, "VALUE");
      const r = await client.put(region, collection, key, body, { ...write, ...condition(values["if-match"], values["if-absent"]) });
      return print(format, r, () => `${r.region} ${r.collection}/${r.key}: version ${r.version}`);
    }
    case "get": {
      if (values["timeout-ms"] !== undefined && values["min-version"] === undefined) {
        throw new UsageError("--timeout-ms only applies with --min-version");
      }
      const r = await client.get(region, collection, key, {
        ...(values["min-version"] !== undefined && { minVersion: int(values["min-version"], "--min-version") }),
        ...(values["timeout-ms"] !== undefined && { timeoutMs: int(values["timeout-ms"], "--timeout-ms") }),
      });
      return print(format, r, () => `${r.key} @ version ${r.version}\n${JSON.stringify(r.value, null, 2)}`);
    }
    case "list": {
      const r = await client.list(region, collection, {
        ...(values.after !== undefined && { after: values.after }),
        ...(values.limit !== undefined && { limit: int(values.limit, "--limit", 1) }),
      });
      return print(format, r, () => {
        if (r.rows.length === 0) return `no rows in ${region} ${collection}`;
        const rows = table([
          ["KEY", "VERSION", "VALUE"],
          ...r.rows.map((row) => [row.key, String(row.version), JSON.stringify(row.value)]),
        ]);
        return r.next ? `${rows}\nmore: --after ${r.next}` : rows;
      });
    }
    case "delete": {
      const r = await client.delete(region, collection, key, { ...write, ...condition(values["if-match"], false) });
      return print(format, r, () => `${region} ${collection}/${key}: deleted at version ${r.version}`);
    }
    case "txn": {
      const parsed = readJson(collection, "OPS");
      const ops = Array.isArray(parsed) ? parsed : typeof parsed === "object" && parsed !== null ? parsed.ops : undefined;
      if (!Array.isArray(ops)) throw new UsageError('OPS must be a JSON array of ops, or {"ops": [...]}');
      const r = await client.transact(region, ops as TxnOp[], write);
      return print(format, r, () => `${region}: committed ${ops.length} op(s) at version ${r.version}`);
    }
    case "changes":
      return changes(region, values, format, client);
    case "watch":
      return watchChanges(region, startPosition(values), format, client);
    case "compact": {
      const retain = values["retain-versions"];
      const before = values["before-version"];
      if ((retain === undefined) === (before === undefined))
        throw new UsageError("give exactly one of --retain-versions N or --before-version V");
      const request: CompactRequest =
        retain !== undefined
          ? { retainVersions: int(retain, "--retain-versions") }
          : { beforeVersion: int(before ?? "", "--before-version") };
      const r = await client.compact(region, request, write);
      return print(format, r, () => `${region}: floor ${r.floor}, purged ${r.purged} tombstone(s)`);
    }
  }
}

/** Prints pages until the head; with --follow, long-polls for more forever. */
async function changes(region: string, values: Values, format: Format, client: VersoClient): Promise<void> {
  let position = startPosition(values);
  const limit = values.limit !== undefined ? int(values.limit, "--limit", 1) : undefined;
  const askedWait = values["wait-ms"] !== undefined ? int(values["wait-ms"], "--wait-ms") : undefined;
  let failures = 0;
  for (let first = true; ; ) {
    // Following starts with an immediate answer (where the feed stands), then long-polls.
    const waitMs = values.follow ? (first ? 0 : (askedWait ?? 30_000)) : askedWait;
    let page: Page;
    try {
      page = await client.changes(region, {
        ...position,
        ...(limit !== undefined && { limit }),
        ...(waitMs !== undefined && { waitMs }),
      });
    } catch (error) {
      if (values.follow && (await waitToReconnect(error, failures++, (line) => process.stderr.write(line), "changes"))) continue;
      throw error;
    }
    failures = 0;
    // While following, a long-poll that ended with nothing new is not worth a line.
    if (first || format === "json" || page.ops.length > 0 || !values.follow) print(format, page, () => describePage(page));
    first = false;
    if (!values.follow && !page.more) return;
    position = advance(position, page);
  }
}

/** Where a feed command starts: `--since V [--epoch E]`, or a reset without them. */
function startPosition(values: Values): FeedPosition {
  if (values.epoch !== undefined && values.since === undefined) throw new UsageError("--epoch only applies with --since");
  return {
    ...(values.since !== undefined && { since: int(values.since, "--since") }),
    ...(values.epoch !== undefined && { epoch: values.epoch }),
  };
}
