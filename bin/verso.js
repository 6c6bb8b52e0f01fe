#!/usr/bin/env node
// Entry point of the `verso` command; the code lives in dist/ (built by `npm ci`/`npm run build`).
import { existsSync } from "node:fs";

const entry = new URL("../dist/cli/main.js", import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write("verso: dist/ is missing; run `npm run build` (npm ci does it for you)\n");
  process.exit(1);
}
const { main } = await import(entry.href);
const code = await main(process.argv.slice(2));
if (code >= 0) process.exitCode = code;
