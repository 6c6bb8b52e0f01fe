/**
 * Idempotency-Keys inside one batch transaction. Keys are claimed first, before any
 * region is locked (the lock order of write-batch.ts), so concurrent duplicates on any
 * node execute once; a key an earlier request already used is replayed instead of run.
 */
import type pg from "pg";
import { replayOf } from "../../model/idempotency.js";
import type { WriteCommand } from "../../model/write-command.js";
import type { WriteOutcome, WriteResult } from "../../model/write-outcome.js";
import type { Statements } from "./statements.js";

interface Recalled {
  fingerprint: string;
  outcome: string | null;
}

export class IdempotencyClaims {
  /** The first command carrying a key claims it; later ones in the batch replay it. */
  private readonly claimant = new Map<string, number>();
  private recalled = new Map<string, Recalled>();
  /** Outcomes of the commands this batch ran, by key: recorded before the commit. */
  private readonly outcomes = new Map<string, WriteOutcome>();

  constructor(private readonly batch: readonly WriteCommand[]) {
    batch.forEach((command, index) => {
      const key = command.idempotency?.key;
      if (key !== undefined && !this.claimant.has(key)) this.claimant.set(key, index);
    });
  }

  /**
   * Inserts a placeholder record for every key not yet known, in sorted key order. Keys
   * that already exist (committed by an earlier request, or by a concurrent one this
   * insert waited for) are read back and replayed instead of executed.
   */
  async claim(client: pg.ClientBase, sql: Statements, now: number): Promise<void> {
    if (this.claimant.size === 0) return;
    const keys = [...this.claimant.keys()].sort();
    const fingerprints = keys.map((key) => this.batch[this.claimant.get(key)!]!.idempotency!.fingerprint);
    const claimed = new Set((await client.query<{ key: string }>(sql.claimKeys, [keys, fingerprints, now])).rows.map((row) => row.key));
    const taken = keys.filter((key) => !claimed.has(key));
    if (taken.length === 0) return;
    const { rows } = await client.query<Recalled & { key: string }>(sql.recallKeys, [taken]);
    for (const row of rows) this.recalled.set(row.key, row);
    // Swept between the two statements: rolling back and running again claims it afresh.
    if (this.recalled.size !== taken.length) throw new Error("an idempotency record expired while being read; retrying");
  }

  /** The command carries a key an earlier command of the batch carries: it replays that one (see replayDuplicates). */
  isDuplicate(index: number): boolean {
    const tag = this.batch[index]?.idempotency;
    return tag !== undefined && this.claimant.get(tag.key) !== index;
  }

  /** The stored answer of an earlier request with the command's key, or undefined when the command runs. */
  replayed(index: number): WriteResult | undefined {
    const tag = this.batch[index]?.idempotency;
    const seen = tag && this.recalled.get(tag.key);
    if (!tag || !seen) return undefined;
    return replayOf({ fingerprint: seen.fingerprint, outcome: parseOutcome(seen.outcome) }, tag.fingerprint);
  }

  /** What a command that ran produced, kept for its key. */
  ran(command: WriteCommand, outcome: WriteOutcome): void {
    const tag = command.idempotency;
    if (tag) this.outcomes.set(tag.key, outcome);
  }

  /** Gives every duplicate the answer of the first command carrying its key. */
  replayDuplicates(results: Array<WriteResult | undefined>): void {
    this.batch.forEach((command, index) => {
      const tag = command.idempotency;
      if (!tag || results[index]) return;
      const first = this.batch[this.claimant.get(tag.key)!]!;
      const seen = this.recalled.get(tag.key);
      const stored = seen ? parseOutcome(seen.outcome) : this.outcomes.get(tag.key);
      if (!stored) throw new Error(`no outcome for idempotency key ${tag.key}`);
      results[index] = replayOf({ fingerprint: seen?.fingerprint ?? first.idempotency!.fingerprint, outcome: stored }, tag.fingerprint);
    });
  }

  /** Stores the outcomes of the commands that ran in their placeholder records; undefined when none ran. */
  record(client: pg.ClientBase, sql: Statements): Promise<unknown> | undefined {
    if (this.outcomes.size === 0) return undefined;
    const keys = [...this.outcomes.keys()];
    return client.query(sql.recordOutcomes, [keys, keys.map((key) => JSON.stringify(this.outcomes.get(key)))]);
  }
}

function parseOutcome(json: string | null): WriteOutcome {
  if (json === null) throw new Error("idempotency record without outcome");
  return JSON.parse(json) as WriteOutcome;
}
