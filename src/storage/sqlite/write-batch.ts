/**
 * Group commit on SQLite: a batch of verso commands in one IMMEDIATE transaction.
 */
import type Database from "better-sqlite3";
import type { WriteCommand } from "../../model/write-command.js";
import type { WriteResult } from "../../model/write-outcome.js";
import { applyCommand } from "./apply-command.js";
import { onceByKey } from "./idempotency-claims.js";
import type { Statements } from "./statements.js";

export type BatchWriter = (batch: readonly WriteCommand[]) => Array<WriteResult | Error>;

export function batchWriter(db: Database.Database, sql: Statements, clock: () => number): BatchWriter {
  // Nested better-sqlite3 transactions become savepoints: each command is isolated
  // inside the batch's single commit.
  const runCommand = db.transaction((command: WriteCommand, now: number) =>
    onceByKey(sql, command, now, () => applyCommand(sql, command, now)),
  );
  return db.transaction((batch: readonly WriteCommand[]) => {
    const now = clock();
    return batch.map((command) => {
      try {
        return runCommand(command, now);
      } catch (error) {
        // Some errors (SQLITE_FULL, I/O errors) roll back the whole transaction, not just
        // the command's savepoint: the batch is lost, and the commands after this one
        // must not run outside any transaction. Its cause answers every command.
        if (!db.inTransaction) throw error;
        return error instanceof Error ? error : new Error(String(error));
      }
    });
  }).immediate;
}
