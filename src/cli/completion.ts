/** `verso completion bash|zsh`: a completion script for the commands, subcommands and flags of command-table.ts. */
import { type CommandEntry, commandTable, GLOBAL_FLAGS } from "./command-table.js";
import { UsageError } from "./usage-error.js";

export const COMPLETION_USAGE = `verso completion bash|zsh        print a shell completion script:
                                  bash: source <(verso completion bash)    zsh: source <(verso completion zsh)`;

export async function completionCommand(argv: string[]): Promise<number> {
  const [shell, ...extra] = argv;
  if ((shell !== "bash" && shell !== "zsh") || extra.length > 0) throw new UsageError("usage: verso completion bash|zsh");
  const table = await commandTable();
  process.stdout.write(shell === "bash" ? bashScript(table) : zshScript(table));
  return 0;
}

const TOP_FLAGS = [...GLOBAL_FLAGS, "--version", "-V", "--help"];

function words(list: string[]): string {
  return list.join(" ");
}

/** Each command's case: its subcommands first, then its flags. */
function cases(table: CommandEntry[], reply: (list: string) => string): string {
  return table.map((entry) => `    ${entry.name}) ${reply(words([...entry.subcommands, ...entry.flags]))} ;;`).join("\n");
}

/** The word that names the command: the first that is not a global flag or its value. */
const FIND_COMMAND = (words: string, count: string) => `  local cmd="" i
  for ((i = 1; i < ${count}; i++)); do
    case "\${${words}[i]}" in
      --server|--token|--ca|-o|--output) ((i++)) ;;
      -*) ;;
      *) cmd="\${${words}[i]}"; break ;;
    esac
  done`;

function bashScript(table: CommandEntry[]): string {
  return `# bash completion for verso: source <(verso completion bash)
_verso() {
  local cur="\${COMP_WORDS[COMP_CWORD]}"
${FIND_COMMAND("COMP_WORDS", "COMP_CWORD")}
  case "$cmd" in
    "") COMPREPLY=($(compgen -W "${words([...table.map((e) => e.name), ...TOP_FLAGS])}" -- "$cur")) ;;
${cases(table, (list) => `COMPREPLY=($(compgen -W "${list}" -- "$cur"))`)}
  esac
}
complete -F _verso verso
`;
}

function zshScript(table: CommandEntry[]): string {
  return `#compdef verso
# zsh completion for verso: source <(verso completion zsh), or save as _verso in $fpath
_verso() {
${FIND_COMMAND("words", "CURRENT").replace("for ((i = 1;", "for ((i = 2;")}
  case "$cmd" in
    "") compadd -- ${words([...table.map((e) => e.name), ...TOP_FLAGS])} ;;
${cases(table, (list) => `compadd -- ${list}`)}
  esac
}
if (( $+functions[compdef] )); then compdef _verso verso; fi
`;
}
