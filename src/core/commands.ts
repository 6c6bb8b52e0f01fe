/**
 * Turns caller input (library arguments or decoded HTTP requests) into validated write
 * commands. Everything that can be refused is refused here, before storage sees it, so
 * bad input changes nothing.
 */

import type { Expectation, Horizon, TxnForm, WriteCommand, WriteOp } from "../model/write-command.js";
import { BadRequestError, PayloadTooLargeError } from "../protocol/errors.js";
import { idempotencyKeyProblem, type NameKind, nameProblem } from "../protocol/names.js";
import { MAX_VALUE_BYTES, MAX_VALUE_DEPTH } from "../protocol/types.js";
import { fingerprint } from "./fingerprint.js";
import { nestsDeeperThan } from "./value-depth.js";

export type TxnCommand = Extract<WriteCommand, { kind: "txn" }>;
/** Each builder's command, narrow enough for its result to be typed (see outcomes.ts). */
export type NextVersionCommand = Extract<WriteCommand, { kind: "nextVersion" }>;
export type PutCommand = TxnCommand & { form: "put" };
export type DeleteCommand = TxnCommand & { form: "delete" };
export type MultiOpCommand = TxnCommand & { form: "txn" };
export type CompactCommand = Extract<WriteCommand, { kind: "compact" }>;

export const MAX_TXN_OPS = 1000;

export function checkName(kind: NameKind, name: unknown): string {
  if (typeof name !== "string") throw new BadRequestError(`${kind} name must be a string`);
  const problem = nameProblem(kind, name);
  if (problem) throw new BadRequestError(problem);
  return name;
}

/** Serialises a value for storage, enforcing the contract's 1 MiB limit and verso's depth limit. */
export function encodeValue(value: unknown, where = "value"): string {
  if (value === undefined) throw new BadRequestError(`${where} is missing`);
  if (nestsDeeperThan(value)) throw new BadRequestError(`${where} nests deeper than ${MAX_VALUE_DEPTH} levels of arrays and objects`);
  let json: string | undefined;
  try {
    json = JSON.stringify(value);
  } catch (error) {
    throw new BadRequestError(`${where} is not JSON-serialisable: ${(error as Error).message}`);
  }
  if (json === undefined) throw new BadRequestError(`${where} is not a JSON value`);
  if (json.length > MAX_VALUE_BYTES / 4 && Buffer.byteLength(json) > MAX_VALUE_BYTES) {
    throw new PayloadTooLargeError(`${where} is larger than ${MAX_VALUE_BYTES} bytes (1 MiB) as compact JSON`);
  }
  return json;
}

export function checkNonNegativeInt(what: string, value: unknown, min = 0): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < min) {
    throw new BadRequestError(`${what} must be an integer >= ${min}`);
  }
  return value;
}

function withIdempotency<C extends WriteCommand>(command: C, idempotencyKey: string | undefined): C {
  if (idempotencyKey === undefined) return command;
  const problem = idempotencyKeyProblem(idempotencyKey);
  if (problem) throw new BadRequestError(problem);
  return { ...command, idempotency: { key: idempotencyKey, fingerprint: fingerprint(command) } };
}

export function nextVersionCommand(region: string, idempotencyKey?: string): NextVersionCommand {
  return withIdempotency({ kind: "nextVersion", region: checkName("region", region) }, idempotencyKey);
}

function txn<F extends TxnForm>(form: F, region: string, ops: WriteOp[], idempotencyKey: string | undefined): TxnCommand & { form: F } {
  return withIdempotency({ kind: "txn" as const, form, region: checkName("region", region), ops }, idempotencyKey);
}

export function putCommand(
  region: string,
  collection: string,
  key: string,
  value: unknown,
  expect?: Expectation,
  idempotencyKey?: string,
): PutCommand {
  const op: WriteOp = {
    op: "put",
    collection: checkName("collection", collection),
    key: checkName("key", key),
    valueJson: encodeValue(value),
  };
  if (expect !== undefined) op.expect = checkExpectation(expect);
  return txn("put", region, [op], idempotencyKey);
}

export function deleteCommand(
  region: string,
  collection: string,
  key: string,
  expect?: Expectation,
  idempotencyKey?: string,
): DeleteCommand {
  const op: WriteOp = { op: "delete", collection: checkName("collection", collection), key: checkName("key", key) };
  if (expect !== undefined) op.expect = checkExpectation(expect);
  return txn("delete", region, [op], idempotencyKey);
}

function checkExpectation(expect: Expectation): Expectation {
  return expect === "present" ? expect : checkNonNegativeInt("expected version", expect);
}

const PUT_FIELDS = new Set(["op", "collection", "key", "value", "ifVersion"]);
const DELETE_FIELDS = new Set(["op", "collection", "key", "ifVersion"]);

/** Validates a transaction body `{"ops": [...]}` as the contract defines it. */
export function txnCommand(region: string, body: unknown, idempotencyKey?: string): MultiOpCommand {
  if (!isObject(body) || !Array.isArray(body.ops)) throw new BadRequestError('body must be {"ops": [...]}');
  const extra = Object.keys(body).filter((k) => k !== "ops");
  if (extra.length > 0) throw new BadRequestError(`unknown field ${JSON.stringify(extra[0])} in transaction`);
  if (body.ops.length === 0) throw new BadRequestError("a transaction needs at least one op");
  if (body.ops.length > MAX_TXN_OPS) throw new BadRequestError(`a transaction has at most ${MAX_TXN_OPS} ops`);
  const seen = new Set<string>();
  const ops = body.ops.map((raw: unknown, index: number): WriteOp => {
    const where = `ops[${index}]`;
    if (!isObject(raw)) throw new BadRequestError(`${where} must be an object`);
    if (raw.op !== "put" && raw.op !== "delete") throw new BadRequestError(`${where}.op must be "put" or "delete"`);
    const allowed = raw.op === "put" ? PUT_FIELDS : DELETE_FIELDS;
    const unknown = Object.keys(raw).find((k) => !allowed.has(k));
    if (unknown !== undefined) throw new BadRequestError(`${where} has unknown field ${JSON.stringify(unknown)}`);
    const collection = checkName("collection", raw.collection);
    const key = checkName("key", raw.key);
    const identity = JSON.stringify([collection, key]);
    if (seen.has(identity)) throw new BadRequestError(`${where} touches ${collection}/${key} a second time`);
    seen.add(identity);
    const op: WriteOp =
      raw.op === "put"
        ? { op: "put", collection, key, valueJson: encodeValue(raw.value, `${where}.value`) }
        : { op: "delete", collection, key };
    if (raw.ifVersion !== undefined) op.expect = checkNonNegativeInt(`${where}.ifVersion`, raw.ifVersion);
    return op;
  });
  return txn("txn", region, ops, idempotencyKey);
}

/** Validates `{"retainVersions": N}` or `{"beforeVersion": V}`. */
export function compactCommand(region: string, body: unknown, idempotencyKey?: string): CompactCommand {
  if (!isObject(body)) throw new BadRequestError('body must be {"retainVersions": N} or {"beforeVersion": V}');
  const keys = Object.keys(body);
  let horizon: Horizon;
  if (keys.length === 1 && keys[0] === "retainVersions") {
    horizon = { retainVersions: checkNonNegativeInt("retainVersions", body.retainVersions) };
  } else if (keys.length === 1 && keys[0] === "beforeVersion") {
    horizon = { beforeVersion: checkNonNegativeInt("beforeVersion", body.beforeVersion) };
  } else {
    throw new BadRequestError('body must be exactly one of {"retainVersions": N} or {"beforeVersion": V}');
  }
  return withIdempotency({ kind: "compact" as const, region: checkName("region", region), horizon }, idempotencyKey);
}

/** A JSON object (not an array, not null): what every request body must be. */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
