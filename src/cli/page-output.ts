/** A feed page for a person: one line per op, then where the page leaves the reader. */
import type { Page } from "../protocol/types.js";

export function describePage(page: Page): string {
  const lines = page.ops.map((op) => {
    if (op.op === "clear") return "clear";
    if (op.op === "del") return `v${op.version}  del  ${op.collection}/${op.key}`;
    return `v${op.version}  put  ${op.collection}/${op.key}  ${JSON.stringify(op.value)}`;
  });
  const summary = `-- ${page.reset ? "reset, " : ""}cursor ${page.cursor}, head ${page.head}${page.more ? ", more" : ""} (epoch ${page.epoch || "-"})`;
  return [...lines, summary].join("\n");
}
