/**
 * The writes the crash tests send, and what the server must hold afterwards. Every
 * key is written by one client only, one request at a time, so the expected state of a
 * key is simply the last acknowledged write that touched it.
 */
import type { Json } from "../../src/protocol/types.js";

export interface Effect {
  collection: string;
  key: string;
  /** null: the write deletes the row. */
  value: Json | null;
}

export interface Write {
  idempotencyKey: string;
  region: string;
  method: "PUT" | "POST";
  path: string;
  body?: Json;
  /** Row changes; the first one, when present, is a put whose value only this write uses. */
  effects: Effect[];
  /** Set once a 2xx answer arrived. */
  acked?: { version: number; body: unknown };
}

export type ClientKind = "put" | "txn" | "next-version";

export const COLLECTIONS = ["puts", "txn"] as const;

const rowPath = (region: string, collection: string, key: string) => `/v1/regions/${region}/collections/${collection}/rows/${key}`;

/** One client: its writes in order. Sequence numbers continue across server restarts. */
export class WriteClient {
  private seq = 0;

  constructor(
    readonly id: number,
    readonly kind: ClientKind,
    readonly region: string,
  ) {}

  next(): Write {
    const seq = this.seq++;
    const idempotencyKey = `c${this.id}-w${seq}`;
    const base = { idempotencyKey, region: this.region };
    if (this.kind === "next-version") {
      return { ...base, method: "POST", path: `/v1/regions/${this.region}/next-version`, effects: [] };
    }
    if (this.kind === "put") {
      // A few keys overwritten again and again.
      const key = `p${this.id}-${seq % 4}`;
      const value = { client: this.id, seq };
      return {
        ...base,
        method: "PUT",
        path: rowPath(this.region, "puts", key),
        body: value,
        effects: [{ collection: "puts", key, value }],
      };
    }
    // A transaction that creates three rows, overwrites one and deletes one made by the previous transaction.
    const effects: Effect[] = [0, 1, 2].map((part) => ({ collection: "txn", key: `t${this.id}-${seq}-${part}`, value: { seq, part } }));
    effects.push({ collection: "txn", key: `last-${this.id}`, value: { seq } });
    if (seq > 0) effects.push({ collection: "txn", key: `t${this.id}-${seq - 1}-0`, value: null });
    const ops = effects.map((e) =>
      e.value === null
        ? { op: "delete", collection: e.collection, key: e.key }
        : { op: "put", collection: e.collection, key: e.key, value: e.value },
    );
    return { ...base, method: "POST", path: `/v1/regions/${this.region}/transactions`, body: { ops }, effects };
  }
}

export interface RowState {
  value: Json;
  version: number;
}

export const rowId = (region: string, collection: string, key: string) => `${region}|${collection}|${key}`;

/** What the acknowledged writes promise: each row's last acknowledged state and each region's highest version. */
export class Promises {
  readonly rows = new Map<string, RowState | null>();
  readonly heads = new Map<string, number>();
  readonly acked: Write[] = [];

  acknowledge(write: Write, version: number, body: unknown): void {
    write.acked = { version, body };
    this.acked.push(write);
    this.heads.set(write.region, Math.max(version, this.heads.get(write.region) ?? 0));
    for (const e of write.effects) {
      this.rows.set(rowId(write.region, e.collection, e.key), e.value === null ? null : { value: e.value, version });
    }
  }
}
