/**
 * Decodes a Replicache push (version 1) into one write command. The request itself must
 * be well formed (else 400, nothing changes); a mutation whose mutator is unknown or
 * whose arguments are invalid is not an error of the request: it is kept, marked
 * rejected, and recorded as processed, so its client does not retry it forever.
 */
import { splitReplicacheKey } from "../model/replicache.js";
import type { ReplicacheMutation, WriteCommand, WriteOp } from "../model/write-command.js";
import { BadRequestError, VersoError } from "../protocol/errors.js";
import type { ReplicacheErrorBody } from "../protocol/replicache.js";
import { checkName, encodeValue, isObject, txnCommand } from "./commands.js";

export type ReplicachePushCommand = Extract<WriteCommand, { kind: "replicachePush" }>;

/** The mutators every verso region understands. */
export const REPLICACHE_MUTATORS = ["put", "del", "txn"] as const;

const MAX_CLIENT_ID = 256;

export function replicachePushCommand(
  region: string,
  body: unknown,
): { command: ReplicachePushCommand } | { refusal: ReplicacheErrorBody } {
  if (!isObject(body)) throw new BadRequestError("a Replicache push body must be a JSON object");
  if (body.pushVersion !== 1) return { refusal: { error: "VersionNotSupported", versionType: "push" } };
  const clientGroupID = clientId("clientGroupID", body.clientGroupID);
  if (!Array.isArray(body.mutations)) throw new BadRequestError("mutations must be an array");
  const mutations = body.mutations.map((raw: unknown, index: number) => decodeMutation(region, raw, `mutations[${index}]`));
  return { command: { kind: "replicachePush", region: checkName("region", region), clientGroupID, mutations } };
}

function decodeMutation(region: string, raw: unknown, where: string): ReplicacheMutation {
  if (!isObject(raw)) throw new BadRequestError(`${where} must be an object`);
  const clientID = clientId(`${where}.clientID`, raw.clientID);
  if (typeof raw.id !== "number" || !Number.isSafeInteger(raw.id) || raw.id < 1)
    throw new BadRequestError(`${where}.id must be an integer >= 1`);
  if (typeof raw.name !== "string") throw new BadRequestError(`${where}.name must be a string`);
  if (raw.timestamp !== undefined && typeof raw.timestamp !== "number") throw new BadRequestError(`${where}.timestamp must be a number`);
  const mutation = { clientID, id: raw.id, name: raw.name };
  try {
    return { ...mutation, ops: mutatorOps(region, raw.name, raw.args) };
  } catch (error) {
    if (!(error instanceof VersoError)) throw error;
    return { ...mutation, ops: [], rejected: error.message };
  }
}

/** The ops a built-in mutator stands for; throws a contract error for anything else. */
export function mutatorOps(region: string, name: string, args: unknown): WriteOp[] {
  switch (name) {
    case "put": {
      const { collection, key } = rowKey(args);
      return [{ op: "put", collection, key, valueJson: encodeValue((args as Record<string, unknown>).value, "args.value") }];
    }
    case "del":
      return [{ op: "delete", ...rowKey(args) }];
    case "txn":
      return txnCommand(region, args).ops;
    default:
      throw new BadRequestError(`unknown mutator ${JSON.stringify(name.slice(0, 100))}: verso knows ${REPLICACHE_MUTATORS.join(", ")}`);
  }
}

function rowKey(args: unknown): { collection: string; key: string } {
  if (!isObject(args) || typeof args.key !== "string") throw new BadRequestError('args must be an object with a string "key"');
  const split = splitReplicacheKey(args.key);
  if (!split) throw new BadRequestError(`key ${JSON.stringify(args.key.slice(0, 300))} must look like "collection/key"`);
  return { collection: checkName("collection", split.collection), key: checkName("key", split.key) };
}

function clientId(what: string, value: unknown): string {
  if (typeof value !== "string" || value.length === 0 || value.length > MAX_CLIENT_ID) {
    throw new BadRequestError(`${what} must be a string of 1-${MAX_CLIENT_ID} characters`);
  }
  return value;
}
