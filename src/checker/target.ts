/**
 * What the ordering checker drives: something that acknowledges writes with a version
 * and serves a change feed after a cursor. verso over HTTP is one target; a naive
 * allocate-then-write design is another (naive-target.ts), there to prove the checker
 * catches what it is meant to catch.
 */
import { VersoClient } from "../client/index.js";
import type { ApiNode } from "./nodes.js";

export interface FeedOp {
  key: string;
  version: number;
}

export interface FeedPage {
  reset: boolean;
  ops: FeedOp[];
  cursor: number;
  head: number;
  more: boolean;
}

export interface Target {
  readonly name: string;
  readonly nodes: number;
  /** One transaction putting fresh keys; resolves with the acknowledged version. */
  write(node: number, region: string, keys: readonly string[]): Promise<number>;
  /** One page after `since`; `waitMs` > 0 waits for something newer. */
  changes(node: number, region: string, since: number, limit: number, waitMs: number): Promise<FeedPage>;
}

export const COLLECTION = "checked";

/** verso through its HTTP API, one client per node. */
export function versoTarget(name: string, nodes: readonly ApiNode[]): Target {
  const clients = nodes.map((node) => new VersoClient({ server: node.url, retries: 0 }));
  const client = (node: number) => {
    const found = clients[node % clients.length];
    if (!found) throw new Error("no nodes");
    return found;
  };
  return {
    name,
    nodes: nodes.length,
    async write(node, region, keys) {
      const result = await client(node).transact(
        region,
        keys.map((key) => ({ op: "put", collection: COLLECTION, key, value: { key } })),
      );
      return result.version;
    },
    async changes(node, region, since, limit, waitMs) {
      const page = await client(node).changes(region, { since, limit, ...(waitMs > 0 && { waitMs }) });
      const ops: FeedOp[] = [];
      for (const op of page.ops) if (op.op !== "clear") ops.push({ key: op.key, version: op.version });
      return { reset: page.reset, ops, cursor: page.cursor, head: page.head, more: page.more };
    },
  };
}
