/**
 * verso's layers import only downwards. Each folder of src/ may import the folders
 * listed for it (and itself); anything else is an upward or sideways import and fails
 * here with the edge that broke the rule. See docs/architecture.md.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, it } from "node:test";
import { REPO_ROOT } from "../support/child-process.js";
import { type ImportEdge, importGraph } from "./import-graph.js";

const SRC = join(REPO_ROOT, "src");

/** The storage interfaces core and server may see; the engines behind them stay hidden. */
const STORAGE_INTERFACES = [
  "storage/storage.ts",
  "storage/token-storage.ts",
  "storage/storage-failure.ts",
  "storage/schema-storage.ts",
  "storage/agent-storage.ts",
];

/** Layer of a file: its first folder, with storage split into its interface and its two engines. */
function layerOf(file: string): string {
  if (!file.includes("/")) return "top";
  if (file.startsWith("storage/sqlite/")) return "storage/sqlite";
  if (file.startsWith("storage/postgres/")) return "storage/postgres";
  return file.slice(0, file.indexOf("/"));
}

const BELOW: Record<string, readonly string[]> = {
  protocol: [],
  model: ["protocol"],
  retry: [],
  sqlite: [],
  storage: ["protocol", "model"],
  "storage/sqlite": ["protocol", "model", "retry", "sqlite", "storage"],
  "storage/postgres": ["protocol", "model", "retry", "storage"],
  core: ["protocol", "model", "retry", "storage-interface"],
  server: ["protocol", "model", "retry", "core", "storage-interface"],
  client: ["protocol", "model", "retry"],
  agent: ["protocol", "model", "retry", "sqlite", "client"],
  restate: ["protocol", "model", "retry", "sqlite", "core"],
  top: ["protocol", "model", "retry", "sqlite", "storage", "storage/sqlite", "storage/postgres", "core", "server", "client", "agent"],
  // The command line wires engines as open-store does; the checker uses the public entries.
  checker: ["protocol", "model", "retry", "core", "server", "client", "top"],
  cli: [
    ...["protocol", "model", "retry", "sqlite", "storage", "storage/sqlite", "storage/postgres", "core", "server"],
    ...["client", "agent", "restate", "checker", "top"],
  ],
};

/** Packages a layer may load; a layer not named may load any declared dependency. */
const PACKAGES: Record<string, readonly string[]> = {
  protocol: [],
  model: [],
  retry: [],
  client: [],
  sqlite: ["better-sqlite3", "node:fs", "node:path"],
};

function allowed(edge: ImportEdge): boolean {
  const from = layerOf(edge.from);
  if (!edge.to.endsWith(".ts")) {
    const packages = PACKAGES[from];
    return packages === undefined || packages.includes(edge.to);
  }
  const to = layerOf(edge.to);
  if (to === from) return true;
  const below = BELOW[from] ?? [];
  if (below.includes(to)) return true;
  return below.includes("storage-interface") && STORAGE_INTERFACES.includes(edge.to);
}

describe("layers", () => {
  const edges = importGraph(SRC);

  it("reads the graph (a broken reader would make every rule pass)", () => {
    assert.ok(edges.length > 200, `only ${edges.length} imports found`);
    assert.ok(edges.some((e) => e.from === "core/store.ts" && e.to === "storage/storage.ts"));
    assert.ok(edges.some((e) => e.from === "open-store.ts" && e.dynamic && e.to === "storage/postgres/postgres-storage.ts"));
  });

  it("every folder of src/ has a rule", () => {
    const unknown = [...new Set(edges.map((e) => layerOf(e.from)))].filter((layer) => BELOW[layer] === undefined);
    assert.deepEqual(unknown, []);
  });

  it("imports go only downwards", () => {
    const broken = edges.filter((edge) => !allowed(edge)).map((e) => `${e.from} -> ${e.to}${e.typeOnly ? " (type)" : ""}`);
    assert.deepEqual(broken, []);
  });

  it("the rule catches an upward import", () => {
    assert.equal(allowed({ from: "storage/shared.ts", to: "core/store.ts", typeOnly: true, dynamic: false }), false);
    assert.equal(allowed({ from: "client/feed.ts", to: "sqlite/open-database.ts", typeOnly: false, dynamic: false }), false);
    assert.equal(allowed({ from: "core/store.ts", to: "storage/sqlite/sqlite-storage.ts", typeOnly: false, dynamic: false }), false);
    assert.equal(allowed({ from: "client/http-client.ts", to: "node:crypto", typeOnly: false, dynamic: false }), false);
  });
});
