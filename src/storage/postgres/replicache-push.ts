/**
 * A Replicache push inside the batch's transaction. The region's row lock is taken
 * first and held to the commit, so the clients' states read next cannot change under
 * the push, and the versions it takes follow the locked head one by one: the writes are
 * pipelined without waiting for each answer, and each answer is checked against the
 * version expected.
 */
import type pg from "pg";
import { checkConditions } from "../../model/conditions.js";
import type { RegionRow } from "../../model/feed-rows.js";
import { needsRowStates, type ReplicacheClientState, resolveMutationOps } from "../../model/replicache.js";
import type { WriteCommand, WriteOp } from "../../model/write-command.js";
import type { WriteOutcome } from "../../model/write-outcome.js";
import { PushRun } from "../replicache-push-run.js";
import { newEpoch } from "../shared.js";
import { Pipelined } from "./pipelined.js";
import { bumpAndWrite, lockRegion, rowStates } from "./row-writes.js";
import type { Statements } from "./statements.js";

type PushCommand = Extract<WriteCommand, { kind: "replicachePush" }>;

export async function applyPush(client: pg.ClientBase, sql: Statements, command: PushCommand, now: number): Promise<WriteOutcome> {
  const region = await lockOrCreate(client, sql, command.region, now);
  const ids = [...new Set(command.mutations.map((m) => m.clientID))];
  const { rows } = await client.query<{ client_id: string; client_group_id: string; last_mutation_id: string | number }>(
    sql.replicacheClients,
    [command.region, ids],
  );
  const stored = new Map<string, ReplicacheClientState>(
    rows.map((row) => [row.client_id, { clientGroupID: row.client_group_id, lastMutationID: Number(row.last_mutation_id) }]),
  );
  const run = new PushRun(command, (clientID) => stored.get(clientID));
  const writes = new Pipelined();
  let version = Number(region.version);
  for (const mutation of run.mutations()) {
    let ops: WriteOp[] = [];
    let rejected = mutation.rejected;
    if (rejected === undefined) {
      // Statements run in the order they were sent: the states read here include the writes pipelined before.
      const resolved = needsRowStates(mutation.ops)
        ? resolveMutationOps(mutation.ops, checkConditions(mutation.ops, await rowStates(client, sql, region.id, mutation.ops)))
        : { ops: mutation.ops };
      if ("ops" in resolved) ops = resolved.ops;
      else rejected = resolved.rejected;
    }
    version += 1;
    const expected = version;
    const waitForRoom = writes.room();
    if (waitForRoom) await waitForRoom;
    writes.add(
      bumpAndWrite(client, sql, command.region, ops, now).then((took) => {
        if (Number(took) !== expected) throw new Error(`region ${command.region} took version ${took}, expected ${expected}`);
      }),
    );
    run.applied(mutation, version, rejected);
  }
  await writes.settled();
  const clients = run.clientRows();
  if (clients.length > 0) {
    await client.query(sql.replicacheClientsPut, [
      command.region,
      command.clientGroupID,
      now,
      clients.map((c) => c.clientID),
      clients.map((c) => c.lastMutationID),
      clients.map((c) => c.version),
    ]);
  }
  return run.outcome();
}

/** Locks the region's counter row, creating the region at version 0 when it is absent. */
async function lockOrCreate(client: pg.ClientBase, sql: Statements, name: string, now: number): Promise<RegionRow> {
  for (;;) {
    const region = await lockRegion(client, sql, name);
    if (region) return region;
    // If another transaction created it first, this inserts nothing: lock theirs.
    const created = (await client.query<RegionRow>(sql.createRegion, [name, newEpoch(), now])).rows[0];
    if (created) return created;
  }
}
