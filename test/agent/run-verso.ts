// Runs the `verso` CLI from sources (bin/verso.js runs the built dist/): node --import tsx test/agent/run-verso.ts ARGS
import { main } from "../../src/cli/main.js";

const code = await main(process.argv.slice(2));
if (code >= 0) process.exitCode = code;
