/**
 * The real `bin/verso.js` over a dist/ made by transpiling src/ (one file per module, as
 * `npm run build` lays it out), in a temporary folder inside the checkout so packages
 * resolve. Transpiling takes a fraction of a second where tsc takes many; each call of
 * the CLI then starts as fast as the installed command, without a loader in between.
 */
import { copyFileSync, cpSync, mkdirSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { build } from "esbuild";
import { REPO_ROOT } from "./child-process.js";

export interface TranspiledBin {
  /** Path of the copied bin/verso.js. */
  bin: string;
  remove: () => void;
}

export async function transpiledBin(): Promise<TranspiledBin> {
  const root = join(REPO_ROOT, ".tmp", `bin-${process.pid}-${Date.now()}`);
  const src = join(REPO_ROOT, "src");
  const entryPoints = readdirSync(src, { recursive: true, encoding: "utf8" })
    .filter((file) => file.endsWith(".ts") && !file.endsWith(".test.ts") && !file.endsWith(".d.ts"))
    .map((file) => join(src, file));
  await build({
    entryPoints,
    outdir: join(root, "dist"),
    outbase: src,
    format: "esm",
    platform: "node",
    target: "node20",
    logLevel: "error",
  });
  // The dashboard's files, copied as `npm run build` copies them.
  cpSync(join(src, "server", "ui"), join(root, "dist", "server", "ui"), { recursive: true });
  mkdirSync(join(root, "bin"));
  copyFileSync(join(REPO_ROOT, "bin", "verso.js"), join(root, "bin", "verso.js"));
  return { bin: join(root, "bin", "verso.js"), remove: () => rmSync(root, { recursive: true, force: true }) };
}
