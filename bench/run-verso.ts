// The `verso` CLI from sources, for benchmarks that run it as a process: node --import tsx bench/run-verso.ts ARGS
import { main } from "../src/cli/main.js";

const code = await main(process.argv.slice(2));
if (code >= 0) process.exitCode = code;
