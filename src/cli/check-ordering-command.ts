/** `verso check-ordering`: runs the ordering checker and exits 1 when it finds a violation. */
import { parseArgs } from "node:util";
import { type CheckBackend, type CheckOptions, checkOrdering, DEFAULT_CHECK } from "../checker/check-ordering.js";
import { int, outputFormat } from "./inputs.js";
import { print } from "./output.js";
import { UsageError } from "./usage-error.js";

export const CHECK_USAGE = `verso check-ordering [options]   concurrent writers and feed readers, then verify the history:
                               no reader caught up at V lacks a write <= V, nothing acknowledged lost
  --postgres URL | --db PATH   backend (default: a temporary SQLite file); PostgreSQL runs in a fresh
                               schema dropped afterwards unless --pg-schema is given
  --nodes N                    API nodes sharing the database (default ${DEFAULT_CHECK.nodes})
  --writer verso|naive         naive = allocate the version first, write the row later (PostgreSQL only;
                               the design verso replaces, expected to fail)
  --regions N --writers N --txns N --pullers N --pollers N --page-limit N --seed N
  -o human|json`;

const INTEGER_OPTIONS = {
  nodes: "nodes",
  regions: "regions",
  writers: "writers",
  txns: "txns",
  pullers: "pullers",
  pollers: "pollers",
  "page-limit": "pageLimit",
  "max-keys": "maxKeys",
  "poll-wait-ms": "pollWaitMs",
  "naive-delay-ms": "naiveDelayMs",
  seed: "seed",
} as const;

export async function checkOrderingCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      postgres: { type: "string" },
      "pg-schema": { type: "string" },
      db: { type: "string" },
      writer: { type: "string", default: "verso" },
      output: { type: "string", short: "o", default: "human" },
      ...Object.fromEntries(Object.keys(INTEGER_OPTIONS).map((name) => [name, { type: "string" }])),
    },
    strict: true,
  });
  const format = outputFormat(values.output as string | undefined);
  if (values.writer !== "verso" && values.writer !== "naive") throw new UsageError("--writer must be verso or naive");
  if (values.postgres && values.db) throw new UsageError("give --postgres or --db, not both");
  const backend: CheckBackend = values.postgres
    ? { kind: "postgres", url: values.postgres as string, ...(values["pg-schema"] && { schema: values["pg-schema"] as string }) }
    : { kind: "sqlite", ...(values.db && { path: values.db as string }) };
  const options: CheckOptions = { ...DEFAULT_CHECK, backend, writer: values.writer };
  for (const [flag, field] of Object.entries(INTEGER_OPTIONS)) {
    const raw = (values as Record<string, unknown>)[flag];
    if (raw === undefined) continue;
    options[field] = int(String(raw), `--${flag}`, field === "pollers" || field === "naiveDelayMs" ? 0 : 1);
  }
  const report = await checkOrdering(options);
  print(format, report, () => {
    const lines = [
      `${report.target}: ${report.acknowledged} acknowledged writes, ${report.failedWrites} failed, ${report.pages} pages, ` +
        `${report.caughtUp} caught-up points checked, ${report.durationMs} ms (seed ${report.seed})`,
      report.violationCount === 0
        ? "no violation found"
        : `${report.violationCount} violation(s): ${Object.entries(report.byKind)
            .map(([kind, n]) => `${kind} ${n}`)
            .join(", ")}`,
      ...report.violations.map((v) => `  ${v.kind} ${v.region}${v.reader ? ` ${v.reader}` : ""}: ${v.detail}`),
    ];
    return lines.join("\n");
  });
  return report.violationCount === 0 ? 0 : 1;
}
