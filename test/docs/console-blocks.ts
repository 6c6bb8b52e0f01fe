/**
 * The console blocks of a Markdown section, as steps a test can replay: each `$ command`
 * with the lines it printed, and blocks without a `$` (output that arrives later from a
 * command still running, or from the server).
 */
export type Step = { kind: "command"; command: string; expected: string[] } | { kind: "output"; expected: string[] };

/** The console blocks between `## heading` and the next `## ` heading. */
export function consoleSteps(markdown: string, heading: string): Step[] {
  const start = markdown.indexOf(`\n## ${heading}\n`);
  if (start < 0) throw new Error(`no section "## ${heading}"`);
  const end = markdown.indexOf("\n## ", start + 1);
  const section = markdown.slice(start, end < 0 ? undefined : end);
  const steps: Step[] = [];
  for (const match of section.matchAll(/```console\n([\s\S]*?)```/g)) {
    const lines = (match[1] ?? "").replace(/\n$/, "").split("\n");
    if (!lines[0]?.startsWith("$ ")) {
      steps.push({ kind: "output", expected: trimEnd(lines) });
      continue;
    }
    let current: { kind: "command"; command: string; expected: string[] } | undefined;
    for (const line of lines) {
      if (line.startsWith("$ ")) {
        if (current) steps.push({ ...current, expected: trimEnd(current.expected) });
        current = { kind: "command", command: line.slice(2), expected: [] };
      } else current?.expected.push(line);
    }
    if (current) steps.push({ ...current, expected: trimEnd(current.expected) });
  }
  return steps;
}

/** Blank lines only separate commands within a block; inside an output (curl -i) they stay. */
function trimEnd(lines: string[]): string[] {
  const out = [...lines];
  while (out.length > 0 && out[out.length - 1]?.trim() === "") out.pop();
  return out;
}
