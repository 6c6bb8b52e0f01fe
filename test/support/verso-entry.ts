/**
 * Runs the `verso` command from source, as bin/verso.js does from dist/, so tests can
 * start real processes without a build: `node --import tsx test/support/verso-entry.ts ...`.
 */
import { main } from "../../src/cli/main.js";

const code = await main(process.argv.slice(2));
if (code >= 0) process.exitCode = code;
