import { readFileSync } from "node:fs";

let version: string | undefined;

/** verso's version, from its package.json (two folders up from src/server and dist/server alike). */
export function packageVersion(): string {
  version ??= (JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string }).version;
  return version;
}
