/**
 * From a stored outcome to the contract's result, or the contract's error. Replays of
 * an Idempotency-Key go through the same functions, so a retry gets the first answer.
 * One interpreter per command, so each caller gets its command's result type.
 */

import type { TxnForm, WriteCommand } from "../model/write-command.js";
import type { CurrentRaw, RawFailure, WriteOutcome } from "../model/write-outcome.js";
import { BadRequestError, IdempotencyKeyReusedError, InternalError, NotFoundError, VersionMismatchError } from "../protocol/errors.js";
import type { ReplicachePushResult } from "../protocol/replicache.js";
import type { CompactResult, CurrentRow, DeleteResult, NextVersionResult, PutResult, TxnFailure, TxnResult } from "../protocol/types.js";
import type { CompactCommand, DeleteCommand, MultiOpCommand, NextVersionCommand, PutCommand, TxnCommand } from "./commands.js";
import type { ReplicachePushCommand } from "./replicache-push.js";

export type WriteResponse = NextVersionResult | PutResult | DeleteResult | TxnResult | CompactResult | ReplicachePushResult;

/** Turns a command's outcome into its result; throws the contract's error for a refused one. */
export type Interpreter<C extends WriteCommand, R> = (command: C, outcome: WriteOutcome) => R;

type Committed = Extract<WriteOutcome, { status: "committed" }>;

export function nextVersionResult(command: NextVersionCommand, outcome: WriteOutcome): NextVersionResult {
  const { region, version } = committed(command, outcome);
  return { region, version };
}

export function putResult(command: PutCommand, outcome: WriteOutcome): PutResult {
  const { region, version } = committed(command, outcome);
  const op = command.ops[0];
  if (!op) throw new InternalError("put without op");
  return { region, collection: op.collection, key: op.key, version };
}

export function deleteResult(command: DeleteCommand, outcome: WriteOutcome): DeleteResult {
  return { version: committed(command, outcome).version };
}

export function txnResult(command: MultiOpCommand, outcome: WriteOutcome): TxnResult {
  return { version: committed(command, outcome).version };
}

export function compactResult(command: CompactCommand, outcome: WriteOutcome): CompactResult {
  if (outcome.status !== "compacted") throw refusal(command, outcome);
  return { floor: outcome.floor, purged: outcome.purged };
}

/**
 * A push that met a gap in a client's mutation ids, or a client of another group, is
 * refused (what it applied before stays applied; Replicache pushes again). A client
 * without state is not an error of the request: Replicache is told in the body.
 */
export function pushResult(command: ReplicachePushCommand, outcome: WriteOutcome): ReplicachePushResult {
  if (outcome.status !== "pushed") throw refusal(command, outcome);
  const { stopped } = outcome;
  const applied = outcome.mutations.filter((m) => m.result !== "skipped").length;
  if (stopped?.reason === "future") {
    throw new BadRequestError(
      `mutation ${stopped.id} of client ${stopped.clientID} is from the future: its last processed mutation is ${stopped.lastMutationID} (${applied} mutation(s) before it were processed)`,
    );
  }
  if (stopped?.reason === "other_group") {
    throw new BadRequestError(`client ${stopped.clientID} belongs to another client group than ${command.clientGroupID}`);
  }
  return { ...(stopped && { error: "ClientStateNotFound" }), mutations: outcome.mutations };
}

/** Any command, for callers that handle every kind alike (the HTTP routes). */
export function interpret(command: WriteCommand, outcome: WriteOutcome): WriteResponse {
  if (command.kind === "nextVersion") return nextVersionResult(command, outcome);
  if (command.kind === "replicachePush") return pushResult(command, outcome);
  if (command.kind === "compact") return compactResult(command, outcome);
  if (phrasedAs(command, "put")) return putResult(command, outcome);
  if (phrasedAs(command, "delete")) return deleteResult(command, outcome);
  if (phrasedAs(command, "txn")) return txnResult(command, outcome);
  throw new InternalError(`a transaction phrased as ${JSON.stringify(command.form)}`);
}

function phrasedAs<F extends TxnForm>(command: TxnCommand, form: F): command is TxnCommand & { form: F } {
  return command.form === form;
}

export function toCurrent(raw: CurrentRaw | null): CurrentRow {
  return raw === null ? null : { version: raw.version, value: JSON.parse(raw.valueJson) };
}

function committed(command: WriteCommand, outcome: WriteOutcome): Committed {
  if (outcome.status !== "committed") throw refusal(command, outcome);
  return outcome;
}

function refusal(command: WriteCommand, outcome: WriteOutcome): Error {
  switch (outcome.status) {
    case "idempotency_key_reused":
      return new IdempotencyKeyReusedError();
    case "failed":
      return failureError(command, outcome.failures);
    default:
      return new InternalError(`a ${command.kind} command ended ${outcome.status}`);
  }
}

function failureError(command: WriteCommand, failures: RawFailure[]): Error {
  const mismatch = failures.some((f) => f.reason === "mismatch");
  const single = command.kind === "txn" && command.form !== "txn";
  const first = failures[0];
  if (single && first) {
    const where = `${first.collection}/${first.key}`;
    if (!mismatch) return new NotFoundError(`row ${where} does not exist`);
    return new VersionMismatchError(first.current ? `row ${where} is at version ${first.current.version}` : `row ${where} does not exist`, {
      current: toCurrent(first.current),
    });
  }
  const list: TxnFailure[] = failures.map((f) => ({
    index: f.index,
    collection: f.collection,
    key: f.key,
    current: toCurrent(f.current),
  }));
  if (!mismatch) return new NotFoundError(`${list.length} deleted row(s) do not exist`, { failures: list });
  return new VersionMismatchError(`${list.length} condition(s) failed`, { failures: list });
}
