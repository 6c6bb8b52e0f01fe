/** `verso`: the server and a client for every call of the contract. */
import { VersoError } from "../protocol/errors.js";
import { AGENT_USAGE, agentCommand } from "./agent-command.js";
import { CHECK_USAGE, checkOrderingCommand } from "./check-ordering-command.js";
import { CLIENT_COMMANDS, CLIENT_USAGE, clientCommand } from "./client-commands.js";
import { UsageError } from "./durations.js";
import { RESTATE_USAGE, restateCommand } from "./restate-command.js";
import { SERVE_USAGE, serveCommand } from "./serve-command.js";
import { TOKEN_USAGE, tokenCommand } from "./token-commands.js";

const USAGE = `verso: versioned state for control planes and their edge agents

${SERVE_USAGE}

${CLIENT_USAGE}

${AGENT_USAGE}

${TOKEN_USAGE}

${CHECK_USAGE}

${RESTATE_USAGE}`;

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    if (command === undefined || command === "help" || command === "--help" || command === "-h") {
      process.stdout.write(`${USAGE}\n`);
      return command === undefined ? 2 : 0;
    }
    if (command === "serve") {
      await serveCommand(rest);
      return -1;
    }
    if (command === "agent") {
      await agentCommand(rest);
      return -1;
    }
    if (command === "token") {
      await tokenCommand(rest);
      return 0;
    }
    if (command === "restate") {
      return (await restateCommand(rest)) ? -1 : 0;
    }
    if (command === "check-ordering") return await checkOrderingCommand(rest);
    if (CLIENT_COMMANDS.has(command)) {
      await clientCommand(command, rest);
      return 0;
    }
    throw new UsageError(`unknown command ${JSON.stringify(command)}`);
  } catch (error) {
    if (error instanceof VersoError) {
      const extra = Object.keys(error.extra).length > 0 ? ` ${JSON.stringify(error.extra)}` : "";
      process.stderr.write(`verso: ${error.code}: ${error.message}${extra}\n`);
      return 1;
    }
    const e = error as Error & { code?: string };
    if (error instanceof UsageError || e.code?.startsWith("ERR_PARSE_ARGS")) {
      process.stderr.write(`verso: ${e.message}\nrun "verso help" for usage\n`);
      return 2;
    }
    if (e.cause && (e.cause as { code?: string }).code === "ECONNREFUSED") {
      process.stderr.write(`verso: cannot reach the server (${(e.cause as Error).message}); is "verso serve" running?\n`);
      return 1;
    }
    process.stderr.write(`verso: ${e.message}\n`);
    return 1;
  }
}
