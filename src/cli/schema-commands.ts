/** `verso schema register|list|get|check|upgrade`: schema versions of collections, over HTTP. */
import { parseArgs } from "node:util";
import type { VersoClient } from "../client/http-client.js";
import { type Compatibility, type CompatibilityReason, isCompatibility, type JsonSchema } from "../protocol/schemas.js";
import { clientFrom } from "./connection.js";
import { int, outputFormat, readJson } from "./inputs.js";
import { type Format, print, table } from "./output.js";
import { reportFailure } from "./report.js";
import { UsageError } from "./usage-error.js";

export const SCHEMA_USAGE = `schema commands (register, check and upgrade need the admin token; --server URL; -o human|json):
  verso schema register COLLECTION SCHEMA [--compatibility backward|forward|full|none]
                                          SCHEMA is JSON inline, @FILE or - (stdin); prints the version
  verso schema check COLLECTION SCHEMA [--compatibility M]
                                          dry run: the version it would get and every rule it breaks (exit 1 if any)
  verso schema list
  verso schema get COLLECTION [--version N]
  verso schema upgrade COLLECTION --to N [--batch N]
                                          rewrites every live row under version N, batch by batch, with progress;
                                          run it again after an interruption to finish`;

/** Runs a schema command; resolves with its exit code (1 for a contract error, an unreachable server, or a failed check). */
export async function schemaCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv);
  const format = outputFormat(values.output);
  const { client, server } = clientFrom(values);
  try {
    return await run(positionals, values, format, client);
  } catch (error) {
    if (error instanceof UsageError) throw error;
    return reportFailure(error, format, server);
  }
}

type Values = ReturnType<typeof parse>["values"];

async function run(positionals: string[], values: Values, format: Format, client: VersoClient): Promise<number> {
  const [sub, ...rest] = positionals;
  const args = (count: number, usage: string): string[] => {
    if (rest.length !== count || rest.some((arg) => arg === "")) throw new UsageError(`usage: ${usage}`);
    return rest;
  };
  switch (sub) {
    case "register": {
      const [collection, raw] = args(2, "verso schema register COLLECTION SCHEMA [--compatibility M]") as [string, string];
      const registered = await client.registerSchema(collection, schemaFrom(raw), compatibility(values.compatibility));
      print(format, registered, () => `${collection}: schema version ${registered.version}`);
      return 0;
    }
    case "check": {
      const [collection, raw] = args(2, "verso schema check COLLECTION SCHEMA [--compatibility M]") as [string, string];
      const check = await client.checkSchema(collection, schemaFrom(raw), compatibility(values.compatibility));
      print(format, check, () => {
        if (check.unchanged) return `${collection}: identical to version ${check.version}; registering it registers nothing`;
        if (check.compatible) return `${collection}: ${check.compatibility}-compatible; it would be version ${check.version}`;
        return [
          `${collection}: not ${check.compatibility}-compatible; it would be version ${check.version}`,
          ...check.reasons.map(reasonLine),
        ].join("\n");
      });
      return check.compatible ? 0 : 1;
    }
    case "list": {
      args(0, "verso schema list");
      const schemas = await client.schemas();
      print(format, { schemas }, () =>
        schemas.length === 0
          ? "no collection has a schema"
          : table([["COLLECTION", "LATEST", "COMPATIBILITY"], ...schemas.map((s) => [s.collection, String(s.latest), s.compatibility])]),
      );
      return 0;
    }
    case "get": {
      const [collection] = args(1, "verso schema get COLLECTION [--version N]") as [string];
      const described = await client.schema(collection);
      if (values.version === undefined) {
        print(format, described, () =>
          [
            `${collection}: ${described.versions.length} version(s), compatibility ${described.compatibility}`,
            ...described.versions.map((v) => `version ${v.version}\n${JSON.stringify(v.schema, null, 2)}`),
          ].join("\n"),
        );
        return 0;
      }
      const version = int(values.version, "--version", 1);
      const found = described.versions.find((v) => v.version === version);
      if (!found) throw new UsageError(`${collection} has no schema version ${version} (latest is ${described.versions.length})`);
      print(format, found, () => JSON.stringify(found.schema, null, 2));
      return 0;
    }
    case "upgrade": {
      const [collection] = args(1, "verso schema upgrade COLLECTION --to N [--batch N]") as [string];
      if (values.to === undefined) throw new UsageError("schema upgrade needs --to N");
      const to = int(values.to, "--to", 1);
      const limit = values.batch === undefined ? undefined : int(values.batch, "--batch", 1);
      await upgrade(client, format, collection, to, limit);
      return 0;
    }
    default:
      throw new UsageError(`usage: verso schema register|check|list|get|upgrade (got ${JSON.stringify(sub ?? "")})`);
  }
}

/** Drives the upgrade one batch at a time, so each batch is reported and an interruption loses nothing but the batch in flight. */
async function upgrade(client: VersoClient, format: Format, collection: string, to: number, limit: number | undefined): Promise<void> {
  let rewritten = 0;
  let batches = 0;
  const regions = await client.regions();
  for (const { region } of regions) {
    let after: string | null = null;
    let inRegion = 0;
    do {
      const batch = await client.upgradeBatch(collection, { to, region, after, ...(limit !== undefined && { limit }) });
      batches++;
      inRegion += batch.rewritten;
      rewritten += batch.rewritten;
      after = batch.next;
      print(
        format,
        { event: "batch", ...batch },
        () =>
          `${region}: ${batch.rewritten} row(s) rewritten${batch.next === null ? `, region done (${inRegion} in all)` : `, up to key ${batch.next}`}`,
      );
    } while (after !== null);
  }
  const result = { collection, to, regions: regions.length, batches, rewritten };
  print(
    format,
    { event: "done", ...result },
    () =>
      `${collection}: every live row is at schema version ${to} (${rewritten} rewritten in ${batches} batch(es) over ${regions.length} region(s))`,
  );
}

function schemaFrom(raw: string): JsonSchema {
  const schema = readJson(raw, "SCHEMA");
  if (typeof schema !== "object" || schema === null || Array.isArray(schema)) throw new UsageError("SCHEMA must be a JSON Schema object");
  return schema;
}

function compatibility(raw: string | undefined): Compatibility | undefined {
  if (raw === undefined) return undefined;
  if (!isCompatibility(raw)) throw new UsageError(`--compatibility must be backward, forward, full or none, got ${JSON.stringify(raw)}`);
  return raw;
}

function reasonLine(reason: CompatibilityReason): string {
  return `  ${reason.path || "/"}: ${reason.rule}: ${reason.message}`;
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    options: {
      server: { type: "string" },
      token: { type: "string" },
      output: { type: "string", short: "o", default: "human" },
      compatibility: { type: "string" },
      version: { type: "string" },
      to: { type: "string" },
      batch: { type: "string" },
    },
    allowPositionals: true,
    strict: true,
  });
}
