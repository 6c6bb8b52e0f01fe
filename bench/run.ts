/**
 * verso's benchmarks: `npm run bench [-- --only inprocess,http] [--quick] [--runs N] [--json FILE]`.
 * Every figure is a ratio against a baseline measured in the same run, so the numbers
 * say how much verso costs over what it is built on, on whatever machine runs them.
 * The script suites run only when named: `npm run bench -- --only bootstrap -- --rows 100000`
 * (what follows the second `--` goes to the script).
 */
import { writeFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { parseArgs } from "node:util";
import { type Figure, table } from "./figures.js";
import { runScript } from "./script-suite.js";
import { type Settings, settingsFor } from "./settings.js";
import { electricSuite } from "./suite-electric.js";
import { feedSuite } from "./suite-feed.js";
import { groupCommitSuite } from "./suite-group-commit.js";
import { httpSuite } from "./suite-http.js";
import { inProcessSuite } from "./suite-in-process.js";
import { replicacheSuite } from "./suite-replicache.js";
import { schemasSuite } from "./suite-schemas.js";

/** `namedOnly`: measured only when named with --only. */
type Suite = { figures: (settings: Settings) => Promise<Figure[]>; namedOnly?: true } | { script: string };

/** The default suites measure verso against a baseline in one table; the scripts print their own. */
const SUITES: Record<string, Suite> = {
  inprocess: { figures: inProcessSuite },
  groupcommit: { figures: groupCommitSuite },
  http: { figures: httpSuite },
  feed: { figures: feedSuite },
  schemas: { figures: schemasSuite },
  replicache: { figures: replicacheSuite, namedOnly: true },
  electric: { figures: electricSuite, namedOnly: true },
  postgres: { script: "postgres.ts" },
  restate: { script: "restate.ts" },
  bootstrap: { script: "bootstrap.ts" },
  fanout: { script: "fanout.ts" },
  stalled: { script: "fanout-stalled.ts" },
  etcd: { script: "etcd.ts" },
  edge: { script: "edge-reads.ts" },
  visibility: { script: "visibility.ts" },
  requestlog: { script: "request-log.ts" },
};

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    only: { type: "string" },
    quick: { type: "boolean", default: false },
    runs: { type: "string" },
    json: { type: "string" },
  },
});

const defaults = Object.keys(SUITES).filter((name) => {
  const suite = SUITES[name];
  return suite !== undefined && "figures" in suite && !suite.namedOnly;
});
const chosen = values.only ? values.only.split(",").map((s) => s.trim()) : defaults;
const unknown = chosen.filter((name) => !(name in SUITES));
if (unknown.length > 0) {
  process.stderr.write(`unknown suite(s): ${unknown.join(", ")}; choose from ${Object.keys(SUITES).join(", ")}\n`);
  process.exit(2);
}
const runs = values.runs === undefined ? undefined : Number(values.runs);
if (runs !== undefined && (!Number.isInteger(runs) || runs < 1)) {
  process.stderr.write("--runs must be a positive integer\n");
  process.exit(2);
}
const settings = settingsFor(values.quick, runs);

process.stdout.write(
  `node ${process.version}, ${availableParallelism()} cores, ${settings.quick ? "quick" : "full"} mode, medians of ` +
    `${settings.inProcessRuns} samples per in-process figure and ${settings.runs} per HTTP or feed figure\n`,
);
const started = Date.now();
const figures: Figure[] = [];
for (const name of chosen) {
  const suite = SUITES[name];
  if (!suite) continue;
  const t0 = Date.now();
  if ("script" in suite) await runScript(suite.script, positionals);
  else figures.push(...(await suite.figures(settings)));
  process.stderr.write(`${name}: ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
}
if (figures.length > 0)
  process.stdout.write(
    `\n${table(figures)}\n\nverso, baseline: medians of their samples; ratio: median of verso / baseline per run (above 1: verso is faster)\n`,
  );
process.stdout.write(`total ${((Date.now() - started) / 1000).toFixed(0)} s\n`);
if (values.json) {
  const machine = { node: process.version, cores: availableParallelism(), quick: settings.quick, runs: settings.runs };
  writeFileSync(values.json, `${JSON.stringify({ machine, figures }, null, 2)}\n`);
}
