/**
 * The import graph of src/, read from the source text: every static `import`/`export …
 * from` and every dynamic `import("…")` with a relative or bare specifier.
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";

export interface ImportEdge {
  /** Importing file, relative to src/ (e.g. "core/store.ts"). */
  from: string;
  /** Imported file relative to src/ for a relative specifier, else the bare specifier ("pg", "node:fs"). */
  to: string;
  /** `import type` / `export type`: erased at run time. */
  typeOnly: boolean;
  /** `import("…")`: loaded only when that code runs. */
  dynamic: boolean;
}

const STATIC = /^\s*(import|export)\s+(type\s+)?(?:[^;]*?\s+from\s+)?["']([^"']+)["']/gm;
const DYNAMIC = /\bimport\(\s*["']([^"']+)["']\s*\)/g;

export function sourceFiles(root: string): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(root, { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && entry.name.endsWith(".ts")) files.push(join(entry.parentPath, entry.name));
  }
  return files.sort();
}

export function importGraph(srcRoot: string): ImportEdge[] {
  const edges: ImportEdge[] = [];
  for (const file of sourceFiles(srcRoot)) {
    const text = readFileSync(file, "utf8");
    const from = relative(srcRoot, file);
    const target = (specifier: string): string =>
      specifier.startsWith(".") ? relative(srcRoot, resolve(dirname(file), specifier.replace(/\.js$/, ".ts"))) : specifier;
    for (const match of text.matchAll(STATIC)) {
      const specifier = match[3];
      if (specifier !== undefined) edges.push({ from, to: target(specifier), typeOnly: match[2] !== undefined, dynamic: false });
    }
    for (const match of text.matchAll(DYNAMIC)) {
      const specifier = match[1];
      if (specifier !== undefined) edges.push({ from, to: target(specifier), typeOnly: false, dynamic: true });
    }
  }
  return edges;
}
