/**
 * A Replicache push inside the batch's IMMEDIATE transaction: each mutation takes its
 * own version, and the clients' last mutation ids are stored in the same transaction.
 * The transaction holds the database's only write lock, so the versions are counted
 * here from the head and the counter is written once, not once per mutation.
 */
import { checkConditions } from "../../model/conditions.js";
import { needsRowStates, resolveMutationOps } from "../../model/replicache.js";
import type { WriteCommand, WriteOp } from "../../model/write-command.js";
import type { WriteOutcome } from "../../model/write-outcome.js";
import { PushRun } from "../replicache-push-run.js";
import { rowStates, writeRows } from "./row-writes.js";
import type { Statements } from "./statements.js";

type PushCommand = Extract<WriteCommand, { kind: "replicachePush" }>;

export function applyPush(sql: Statements, command: PushCommand, now: number, region: () => { id: number; version: number }): WriteOutcome {
  const run = new PushRun(command, (clientID) => {
    const row = sql.replicacheClient.get(command.region, clientID);
    return row && { clientGroupID: row.client_group_id, lastMutationID: row.last_mutation_id };
  });
  let counter: { id: number; version: number } | undefined;
  for (const mutation of run.mutations()) {
    counter ??= region();
    const id = counter.id;
    let ops: WriteOp[] = [];
    let rejected = mutation.rejected;
    if (rejected === undefined) {
      const resolved = needsRowStates(mutation.ops)
        ? resolveMutationOps(mutation.ops, checkConditions(mutation.ops, rowStates(sql, id, mutation.ops)))
        : { ops: mutation.ops };
      if ("ops" in resolved) ops = resolved.ops;
      else rejected = resolved.rejected;
    }
    const version = ++counter.version;
    writeRows(sql, id, version, ops, now);
    run.applied(mutation, version, rejected);
  }
  if (counter) sql.setVersion.run(counter.version, counter.id);
  for (const client of run.clientRows()) {
    sql.replicacheClientPut.run(command.region, client.clientID, command.clientGroupID, client.lastMutationID, client.version, now);
  }
  return run.outcome();
}
