/**
 * Where a server's CPU went, from a V8 CPU profile (`node --cpu-prof`, or
 * `bench/visibility.ts --cpu-prof DIR`): the functions with the most self time, and the
 * most inclusive time of functions whose name or file matches --match.
 *
 *   node --import tsx bench/profile-summary.ts FILE.cpuprofile [--top 30] [--match pino,prom-client]
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { top: { type: "string", default: "30" }, match: { type: "string" } },
});
const file = positionals[0];
if (file === undefined) throw new Error("usage: profile-summary.ts FILE.cpuprofile [--top N] [--match a,b]");
const profile = JSON.parse(readFileSync(file, "utf8")) as Profile;
const top = Number(values.top);

const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

const selfUs = new Map<number, number>();
profile.samples.forEach((id, i) => {
  selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
});
const totalUs = [...selfUs.values()].reduce((a, b) => a + b, 0);

const label = (n: ProfileNode) => {
  const url = n.callFrame.url.replace(/^.*node_modules\//, "").replace(/^.*\/(src|bench)\//, "$1/");
  return `${n.callFrame.functionName || "(anonymous)"} ${url}:${n.callFrame.lineNumber + 1}`;
};

const self = new Map<string, number>();
for (const [id, us] of selfUs) {
  const node = byId.get(id);
  if (node) self.set(label(node), (self.get(label(node)) ?? 0) + us);
}

// Inclusive time, counting a function once per sample even when it recurses.
const inclusive = new Map<string, number>();
for (const [id, us] of selfUs) {
  const seen = new Set<string>();
  for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
    const node = byId.get(at);
    if (!node) break;
    const key = label(node);
    if (seen.has(key)) continue;
    seen.add(key);
    inclusive.set(key, (inclusive.get(key) ?? 0) + us);
  }
}

const pct = (us: number) => `${(us / 1000).toFixed(0).padStart(7)} ms ${((100 * us) / totalUs).toFixed(1).padStart(5)} %`;
process.stdout.write(`${file}: ${(totalUs / 1e6).toFixed(2)} s sampled\n\nself time:\n`);
for (const [name, us] of [...self].sort((a, b) => b[1] - a[1]).slice(0, top)) process.stdout.write(`${pct(us)}  ${name}\n`);
if (values.match) {
  const words = values.match.split(",");
  process.stdout.write("\ninclusive time:\n");
  for (const [name, us] of [...inclusive]
    .filter(([name]) => words.some((w) => name.includes(w)))
    .sort((a, b) => b[1] - a[1])
    .slice(0, top))
    process.stdout.write(`${pct(us)}  ${name}\n`);
}
