/**
 * Every command of `verso` with its subcommands and flags, for shell completion. Read from
 * what `verso help` shows: the client commands' table (client-usage.ts) and the usage text
 * of the others, so completion offers exactly the flags the help describes.
 */
import { CLIENT_COMMANDS } from "./client-usage.js";

export interface CommandEntry {
  name: string;
  subcommands: string[];
  flags: string[];
}

/** Flags every client command takes; also accepted before the command. */
export const GLOBAL_FLAGS = ["--server", "--token", "--ca", "-o", "--output"];

export async function commandTable(): Promise<CommandEntry[]> {
  const { SERVE_USAGE } = await import("./serve-command.js");
  const { AGENT_USAGE } = await import("./agent-command.js");
  const { CHECK_USAGE } = await import("./check-ordering-command.js");
  const { RESTATE_USAGE } = await import("./restate-command.js");
  const { TOKEN_USAGE } = await import("./token-commands.js");
  const { SCHEMA_USAGE } = await import("./schema-commands.js");
  const client = Object.entries(CLIENT_COMMANDS).map(([name, spec]) => ({
    name,
    subcommands: [],
    flags: [...spec.options.map((option) => `--${option}`), ...GLOBAL_FLAGS],
  }));
  return [
    fromUsage("serve", SERVE_USAGE),
    ...client,
    fromUsage("agent", AGENT_USAGE),
    fromUsage("token", TOKEN_USAGE),
    fromUsage("schema", SCHEMA_USAGE),
    fromUsage("check-ordering", CHECK_USAGE),
    fromUsage("restate", RESTATE_USAGE),
    { name: "completion", subcommands: ["bash", "zsh"], flags: [] },
    { name: "help", subcommands: [], flags: [] },
  ];
}

/**
 * Subcommands are the words after `verso NAME` in usage lines; flags every --word shown,
 * and the one-letter ones that start an option line or follow "; " (`-o human|json`).
 */
function fromUsage(name: string, usage: string): CommandEntry {
  const subcommands = [...usage.matchAll(new RegExp(`verso ${name} ([a-z][a-z-]*)`, "g"))].map((m) => m[1] ?? "");
  const long = [...usage.matchAll(/(?<![\w-])(--[a-z][a-z-]*)/g)].map((m) => m[1] ?? "");
  const short = [...usage.matchAll(/(?:^ +|; )(-[a-zA-Z]) /gm)].map((m) => m[1] ?? "");
  const flags = [...long, ...short];
  return { name, subcommands: [...new Set(subcommands)], flags: [...new Set(flags)].sort() };
}
