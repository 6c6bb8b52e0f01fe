/**
 * Preload (`--import`) that records every module the process loads into the file named
 * by $VERSO_RECORD_LOADS, one URL a line: ES modules through a resolve hook (which sees
 * `node:` builtins too), CommonJS modules from the require cache when the process exits.
 * What was loaded before this preload (the TypeScript loader) is left out.
 */
import { appendFileSync } from "node:fs";
import { createRequire, register } from "node:module";
import { pathToFileURL } from "node:url";

const file = process.env.VERSO_RECORD_LOADS;
if (!file) throw new Error("record-loads: set VERSO_RECORD_LOADS to the file to record into");
const cache = createRequire(import.meta.url).cache;
const before = new Set(Object.keys(cache));

register("./record-loads-hooks.mjs", import.meta.url, { data: { file } });

process.on("exit", () => {
  const required = Object.keys(cache).filter((path) => !before.has(path));
  appendFileSync(file, required.map((path) => `${pathToFileURL(path).href}\n`).join(""));
});
