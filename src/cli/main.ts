/** `verso`: the server and a client for every call of the contract. */
import { clientCommand, isClientCommand } from "./client-commands.js";
import { clientOverview, commandHelp } from "./client-usage.js";
import { COMPLETION_USAGE } from "./completion.js";
import { isParseArgsError, parseArgsProblem } from "./parse-args-error.js";
import { isReportable, reportFailure } from "./report.js";
import { SCHEMA_USAGE, schemaCommand } from "./schema-commands.js";
import { TOKEN_USAGE, tokenCommand } from "./token-commands.js";
import { UsageError } from "./usage-error.js";

const HELP = new Set(["help", "--help", "-h"]);
const VERSION = new Set(["--version", "-V"]);
/** Flags accepted before the command too (`verso --server URL put ...`), each with a value. */
const GLOBAL = new Set(["--server", "--token", "--ca", "--output", "-o"]);

/**
 * Splits the global flags given before the command from the rest; they are handed to the
 * command as if given after it, so each command checks them as it always did.
 */
function leadingGlobals(argv: string[]): { globals: string[]; rest: string[] } {
  let i = 0;
  while (i < argv.length) {
    const arg = argv[i] ?? "";
    const name = arg.split("=")[0] ?? "";
    if (!GLOBAL.has(name)) break;
    if (arg.includes("=")) i += 1;
    else if (i + 1 < argv.length) i += 2;
    else throw new UsageError(`${arg} needs a value`);
  }
  return { globals: argv.slice(0, i), rest: argv.slice(i) };
}

/** Runs `verso ARGS`; resolves with the exit code, or -1 when a server keeps running. */
export async function main(argv: string[]): Promise<number> {
  let command: string | undefined;
  let rest: string[];
  let afterCommand: string[] = [];
  try {
    const { globals, rest: after } = leadingGlobals(argv);
    command = after[0];
    afterCommand = after.slice(1);
    rest = [...globals, ...afterCommand];
  } catch (error) {
    process.stderr.write(`verso: ${(error as Error).message}\nrun "verso help" for usage\n`);
    return 2;
  }
  // `verso changes --follow | head` closes the pipe early: that ends the command, quietly.
  process.stdout.once("error", (error: NodeJS.ErrnoException) => {
    if (error.code !== "EPIPE") throw error;
    process.exit(0);
  });
  try {
    if (command === undefined) {
      process.stderr.write(`${await overview()}\n`);
      return 2;
    }
    if (VERSION.has(command)) {
      const { packageVersion } = await import("../server/package-version.js");
      process.stdout.write(`verso ${packageVersion()}\n`);
      return 0;
    }
    if (command === "completion") {
      const { completionCommand } = await import("./completion.js");
      return await completionCommand(afterCommand);
    }
    if (HELP.has(command)) {
      process.stdout.write(`${await help(afterCommand[0])}\n`);
      return 0;
    }
    if (rest.some((arg) => arg === "--help" || arg === "-h")) {
      process.stdout.write(`${await help(command)}\n`);
      return 0;
    }
    if (command === "serve") {
      // Loaded on demand: client commands start faster without the server's modules.
      const { serveCommand } = await import("./serve-command.js");
      await serveCommand(rest);
      return -1;
    }
    if (command === "agent") {
      const { agentCommand } = await import("./agent-command.js");
      await agentCommand(rest);
      return -1;
    }
    if (command === "check-ordering") {
      const { checkOrderingCommand } = await import("./check-ordering-command.js");
      return await checkOrderingCommand(rest);
    }
    if (command === "token") return await tokenCommand(rest);
    if (command === "schema") return await schemaCommand(rest);
    if (command === "restate") {
      // Loaded on demand, like serve: the Restate SDK is large.
      const { restateCommand } = await import("./restate-command.js");
      return (await restateCommand(rest)) ? -1 : 0;
    }
    if (isClientCommand(command)) return await clientCommand(command, rest);
    throw new UsageError(`unknown command ${JSON.stringify(command)}`);
  } catch (error) {
    // Commands with an output format report these themselves; this is for the others.
    if (isReportable(error)) return reportFailure(error, "human");
    const e = error as Error & { code?: string };
    if (isParseArgsError(error)) {
      process.stderr.write(`verso: ${command}: ${parseArgsProblem(error)}\nrun "verso help ${command}" for usage\n`);
      return 2;
    }
    if (error instanceof UsageError) {
      process.stderr.write(`verso: ${e.message}\n${error.help}\n`);
      return 2;
    }
    if (e.code === "EADDRINUSE") {
      process.stderr.write(`verso: ${e.message}; another server is using that port (pick one with --port, 0 = any free)\n`);
      return 1;
    }
    process.stderr.write(`verso: ${e.message}\n`);
    return 1;
  }
}

async function help(topic: string | undefined): Promise<string> {
  if (topic === undefined || topic === "help") return overview();
  if (topic === "serve") return `usage: ${(await import("./serve-command.js")).SERVE_USAGE}`;
  if (topic === "token") return TOKEN_USAGE;
  if (topic === "completion") return `usage: ${COMPLETION_USAGE}`;
  if (topic === "schema") return SCHEMA_USAGE;
  if (topic === "agent") return (await import("./agent-command.js")).AGENT_USAGE;
  if (topic === "check-ordering") return (await import("./check-ordering-command.js")).CHECK_USAGE;
  if (topic === "restate") return (await import("./restate-command.js")).RESTATE_USAGE;
  if (isClientCommand(topic)) return commandHelp(topic);
  throw new UsageError(`no help for ${JSON.stringify(topic)}: not a command`);
}

async function overview(): Promise<string> {
  const { SERVE_USAGE } = await import("./serve-command.js");
  const { RESTATE_USAGE } = await import("./restate-command.js");
  const { AGENT_USAGE } = await import("./agent-command.js");
  const { CHECK_USAGE } = await import("./check-ordering-command.js");
  return `verso: versioned state for control planes and their edge agents

${SERVE_USAGE}

${clientOverview()}

${AGENT_USAGE}

${TOKEN_USAGE}

${SCHEMA_USAGE}

${CHECK_USAGE}

${RESTATE_USAGE}

${COMPLETION_USAGE}
verso --version                  print verso's version
global flags before the command: verso [--server URL] [--token T] [--ca FILE] [-o human|json] COMMAND ...`;
}
