/**
 * node:util parseArgs explains mistakes in its own words, meant for programs that take
 * positionals starting with "-" (and with a quote left open); verso says it its way.
 */
const NODE_FORMS: Array<[RegExp, (option: string) => string]> = [
  [/^Unknown option '([^']+)'/, (option) => `unknown option ${option}`],
  [/^Option '(-[^' ]+)[^']*' argument missing/, (option) => `${option} needs a value`],
  [/^Option '([^' ]+)[^']*' argument is ambiguous/, (option) => `${option} needs a value (${option}=VALUE for one starting with -)`],
  [/^Option '([^' ]+)[^']*' does not take an argument/, (option) => `${option} takes no value`],
  [/^Unexpected argument '([^']*)'/, (argument) => `unexpected argument ${JSON.stringify(argument)}`],
];

/** Whether this is parseArgs refusing the command line. */
export function isParseArgsError(error: unknown): error is Error {
  return error instanceof Error && (error as Error & { code?: string }).code?.startsWith("ERR_PARSE_ARGS") === true;
}

/** The mistake parseArgs found, in verso's words. */
export function parseArgsProblem(error: Error): string {
  for (const [pattern, say] of NODE_FORMS) {
    const match = pattern.exec(error.message);
    if (match?.[1] !== undefined) return say(match[1]);
  }
  return error.message.split(". ")[0] ?? error.message;
}
