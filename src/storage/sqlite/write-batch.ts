/**
 * Group commit on SQLite: a batch of verso commands in one IMMEDIATE transaction.
 */
import type Database from "better-sqlite3";
import type { WriteCommand } from "../../model/write-command.js";
import type { WriteResult } from "../../model/write-outcome.js";
import { applyCommand, batchRegionIds, type RegionIds, takeVersions } from "./apply-command.js";
import { onceByKey } from "./idempotency-claims.js";
import type { Statements } from "./statements.js";

export type BatchWriter = (batch: readonly WriteCommand[]) => Array<WriteResult | Error>;

/**
 * How many commands from `at` on are NextVersion calls without an Idempotency-Key on
 * the same region: such a run takes consecutive versions in one UPDATE. 0 when the
 * command at `at` is not one.
 */
function counterRun(batch: readonly WriteCommand[], at: number): number {
  const first = batch[at];
  if (first?.kind !== "nextVersion" || first.idempotency) return 0;
  let end = at + 1;
  while (end < batch.length) {
    const next = batch[end]!;
    if (next.kind !== "nextVersion" || next.idempotency || next.region !== first.region) break;
    end++;
  }
  return end - at;
}

export function batchWriter(db: Database.Database, sql: Statements, clock: () => number): BatchWriter {
  // Nested better-sqlite3 transactions become savepoints: each command is isolated
  // inside the batch's single commit.
  const runCommand = db.transaction((command: WriteCommand, now: number, regionIds: RegionIds) =>
    onceByKey(sql, command, now, () => applyCommand(sql, command, now, regionIds)),
  );
  return db.transaction((batch: readonly WriteCommand[]) => {
    const now = clock();
    const regionIds = batchRegionIds(sql);
    const results: Array<WriteResult | Error> = [];
    while (results.length < batch.length) {
      const at = results.length;
      const run = counterRun(batch, at);
      try {
        if (run === 0) results.push(runCommand(batch[at]!, now, regionIds));
        else {
          // One statement takes the whole run's versions: it either applies or fails as a
          // whole, so the run needs no savepoint of its own.
          const region = batch[at]!.region;
          const last = takeVersions(sql, region, run, now, regionIds);
          for (let version = last - run + 1; version <= last; version++) {
            results.push({ outcome: { status: "committed", region, version }, replayed: false });
          }
        }
      } catch (error) {
        // Some errors (SQLITE_FULL, I/O errors) roll back the whole transaction, not just
        // the command's savepoint: the batch is lost, and the commands after this one
        // must not run outside any transaction. Its cause answers every command.
        if (!db.inTransaction) throw error;
        const failure = error instanceof Error ? error : new Error(String(error));
        for (let i = 0; i < Math.max(run, 1); i++) results.push(failure);
      }
    }
    return results;
  }).immediate;
}
