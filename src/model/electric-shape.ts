/**
 * The Shape HTTP protocol of @electric-sql/client, spoken from verso's feed of one
 * collection: request parameters, handles and offsets, and the translation of feed
 * pages into insert/update/delete messages. Pure; the route reads and waits.
 *
 * A shape is one collection of one region. Its rows have two columns: `key` (the row's
 * key, the primary key) and `value` (the row's JSON). An offset `V_0` means "holds the
 * collection as of version V"; a handle names the region's epoch and the head at which
 * the reader's snapshot began (see heldLife for why that head matters).
 */
import { BadRequestError } from "../protocol/errors.js";
import type { RawPage, RawPageOp, RowLife } from "./raw-page.js";

/** What `electric-schema` announces: the client parses `value` with JSON.parse. */
export const SHAPE_SCHEMA_JSON = JSON.stringify({ key: { type: "text", pk_index: 0, not_null: true }, value: { type: "jsonb" } });

/** How long a `live=true` request waits for a change before answering up-to-date (Electric's own default). */
export const LIVE_WAIT_MS = 20_000;

export interface ShapeHandle {
  epoch: string;
  /** The region's head when the reader's snapshot began. */
  snapshotHead: number;
  /** Makes every refetch's handle new, as the client requires of a handle after a 409. */
  tag: string;
}

export type ShapeOffset = { kind: "initial" } | { kind: "now" } | { kind: "at"; version: number; exact: boolean };

export interface ShapeRequest {
  table: string;
  offset: ShapeOffset;
  handle?: ShapeHandle;
  live: boolean;
  /** False when `columns` asked for the key alone. */
  withValue: boolean;
}

/** Parameters the client sends that need nothing from the server: cache busters, and the long-poll cursor echoed back. */
const IGNORED = new Set(["cursor", "expired_handle", "cache-buster"]);
const HANDLED = new Set(["table", "offset", "handle", "live", "log", "replica", "columns"]);

export function encodeHandle(handle: ShapeHandle): string {
  return `${handle.snapshotHead}.${handle.tag}.${handle.epoch}`;
}

export function decodeHandle(text: string): ShapeHandle {
  const match = /^(\d{1,15})\.([A-Za-z0-9_-]{1,32})\.([A-Za-z0-9_-]{0,64})$/.exec(text);
  if (!match) throw new BadRequestError(`handle ${JSON.stringify(text)} is not a handle this server gave out`);
  return { snapshotHead: Number(match[1]), tag: match[2] ?? "", epoch: match[3] ?? "" };
}

/** `V_0`: the reader holds the collection exactly as of V; `V_1`: it is between the pages of a longer answer. */
export function formatOffset(version: number, exact: boolean): string {
  return `${version}_${exact ? 0 : 1}`;
}

export function parseOffset(text: string): ShapeOffset {
  if (text === "-1") return { kind: "initial" };
  if (text === "now") return { kind: "now" };
  const match = /^(\d{1,15})_([01])$/.exec(text);
  if (!match)
    throw new BadRequestError(`offset must be -1, now or an offset this server gave out (V_0 or V_1), got ${JSON.stringify(text)}`);
  return { kind: "at", version: Number(match[1]), exact: match[2] === "0" };
}

/**
 * Decodes a shape request. Every parameter is either served or refused: a `where` (or
 * any other filter) silently ignored would hand the client rows it asked not to have.
 */
export function parseShapeRequest(query: Record<string, unknown>): ShapeRequest {
  const get = (name: string): string | undefined => {
    const raw = query[name];
    if (raw === undefined) return undefined;
    if (typeof raw !== "string") throw new BadRequestError(`${name} must be given once`);
    return raw;
  };
  for (const name of Object.keys(query)) {
    if (!HANDLED.has(name) && !IGNORED.has(name)) throw new BadRequestError(unsupported(name));
  }
  const table = get("table");
  if (table === undefined || table === "") throw new BadRequestError("table is required: the collection the shape holds");
  const offsetText = get("offset");
  if (offsetText === undefined) throw new BadRequestError("offset is required: -1 for a new shape");
  const offset = parseOffset(offsetText);
  const handleText = get("handle");
  const handle = handleText === undefined ? undefined : decodeHandle(handleText);
  if (offset.kind === "at" && !handle) throw new BadRequestError("an offset other than -1 or now needs the handle it came with");
  const liveText = get("live") ?? "false";
  if (liveText !== "true" && liveText !== "false") throw new BadRequestError("live must be true or false");
  const live = liveText === "true";
  if (live && offset.kind !== "at") throw new BadRequestError("live=true needs the handle and offset of a shape already fetched");
  const log = get("log") ?? "full";
  if (log !== "full") throw new BadRequestError(`log=${log} is not supported: only full (a snapshot, then changes)`);
  const replica = get("replica") ?? "default";
  if (replica !== "default" && replica !== "full") throw new BadRequestError("replica must be default or full");
  const columns = get("columns");
  return { table, offset, ...(handle && { handle }), live, withValue: columns === undefined || parseColumns(columns).includes("value") };
}

function unsupported(name: string): string {
  if (name === "where" || name === "params") return `${name} is not supported: a shape is a whole collection, no filter is applied`;
  if (name.startsWith("subset__")) return `${name} is not supported: no subset snapshots, a shape is a whole collection`;
  if (name === "live_sse" || name === "experimental_live_sse")
    return `${name} is not supported: live updates are long-polls (the client's default)`;
  return `${name} is not a parameter of GET …/shape`;
}

/** `columns` as the client sends it: identifiers, each possibly double-quoted, comma-separated. */
function parseColumns(text: string): string[] {
  const names = text.split(",").map((part) => {
    const name = part.trim().replace(/^"(.*)"$/, "$1");
    if (name !== "key" && name !== "value")
      throw new BadRequestError(`columns: ${JSON.stringify(name)} is not a column of a shape (key, value)`);
    return name;
  });
  if (!names.includes("key")) throw new BadRequestError("columns must include key, the shape's primary key");
  return names;
}

/**
 * Where a reader stands: its offset, the head at which its snapshot began, and whether
 * it holds exactly the collection as of its offset (its last answer reached the head;
 * offsets `V_0`). Between the pages of a longer answer (offsets `V_1`) it does not:
 * a row written again after a page was read may still hold an older state there.
 */
export interface ReaderPosition {
  offset: number;
  snapshotHead: number;
  exact: boolean;
}

/** Which life of a row changed after the offset the reader may hold: none, the row's current one, or an earlier one. */
export type HeldLife = "none" | "current" | "earlier";

/**
 * What the reader may hold of a row changed at `version` (> offset), as far as the
 * row's life tells.
 *
 * During a paged snapshot (offset < snapshotHead) the reader holds rows sent by earlier
 * pages, each read at a head ≥ snapshotHead. A row it was sent and that changed since
 * changed after that read, so its version is above snapshotHead: a row at or below it
 * was never sent.
 *
 * Otherwise the reader may hold the current life if it began by the offset. It may hold
 * an earlier life if the row had one: when the reader is exact, only one that reached
 * past the offset (priorEnd > offset); between pages, any, since the tombstone that
 * ended it may have been overwritten before a page covered its version.
 */
export function heldLife(version: number, life: RowLife, at: ReaderPosition): HeldLife {
  if (at.offset < at.snapshotHead && version <= at.snapshotHead) return "none";
  if (life.created <= at.offset) return "current";
  if (life.priorEnd === undefined) return "none";
  return !at.exact || life.priorEnd > at.offset ? "earlier" : "none";
}

export type ShapeOperation = "insert" | "update" | "delete";

export interface ShapeMessage {
  operation: ShapeOperation;
  collection: string;
  key: string;
  /** The row's JSON text (inserts and updates). */
  valueJson?: string;
}

/**
 * The messages that bring a reader at `at` to the page's cursor; `at` undefined: the
 * page is a snapshot's first (the reader holds nothing).
 *
 * An insert is never sent for a key the reader may hold (clients such as TanStack DB
 * refuse a duplicate insert). A row created anew after the reader's offset whose
 * previous life the reader may hold comes as delete then insert; a row whose current
 * life the reader may hold comes as an update carrying the whole value, which is right
 * whether or not the reader had it. A delete is skipped when the reader cannot hold the row.
 */
export function shapeMessages(ops: readonly RawPageOp[], at: ReaderPosition | undefined): ShapeMessage[] {
  const messages: ShapeMessage[] = [];
  for (const op of ops) {
    if (op.op === "clear") continue;
    const row = { collection: op.collection, key: op.key };
    if (at === undefined || op.life === undefined) {
      if (op.op === "put") messages.push({ operation: "insert", ...row, valueJson: op.valueJson });
      else if (at !== undefined) messages.push({ operation: "delete", ...row });
      continue;
    }
    const held = heldLife(op.version, op.life, at);
    if (op.op === "del") {
      if (held !== "none") messages.push({ operation: "delete", ...row });
    } else if (held === "none") {
      messages.push({ operation: "insert", ...row, valueJson: op.valueJson });
    } else if (held === "current") {
      messages.push({ operation: "update", ...row, valueJson: op.valueJson });
    } else {
      messages.push({ operation: "delete", ...row }, { operation: "insert", ...row, valueJson: op.valueJson });
    }
  }
  return messages;
}

/** Electric's message key: relation and primary key, each quoted as an identifier. */
export function messageKey(collection: string, key: string): string {
  return `${quote(collection)}/${quote(key)}`;
}

function quote(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** The response body: the messages, then `up-to-date` when the page reached the head. Values are spliced as JSON strings. */
export function serializeMessages(messages: readonly ShapeMessage[], upToDate: boolean, withValue: boolean): string {
  const parts = messages.map((message) => {
    const key = JSON.stringify(message.key);
    const value =
      withValue && message.valueJson !== undefined ? `{"key":${key},"value":${JSON.stringify(message.valueJson)}}` : `{"key":${key}}`;
    return `{"headers":{"operation":"${message.operation}"},"key":${JSON.stringify(messageKey(message.collection, message.key))},"value":${value}}`;
  });
  if (upToDate) parts.push('{"headers":{"control":"up-to-date"}}');
  return `[${parts.join(",")}]`;
}

/**
 * Why a reader at `handle` must refetch, given the page the feed answered; undefined
 * when the page continues its copy. A reset page is the feed's own verdict (floor
 * passed, offset above the head, another epoch); a snapshot head above the head means
 * the server lost versions the reader saw.
 */
export function refetchReason(handle: ShapeHandle, page: RawPage): string | undefined {
  if (handle.epoch !== "" && handle.epoch !== page.epoch) return "the region was re-created since this shape was fetched";
  if (handle.snapshotHead > page.head) return "the region's head is behind this shape's";
  if (page.reset) return "the shape's offset lies below the region's floor (tombstones were compacted) or beyond its head";
  return undefined;
}

/**
 * The handle a snapshot's first page answers with: the one the reader sent when it is
 * still valid for this region (same epoch, began at or below the head), else a new one.
 */
export function snapshotHandle(sent: ShapeHandle | undefined, page: RawPage, newTag: () => string): ShapeHandle {
  if (sent && sent.epoch === page.epoch && sent.snapshotHead <= page.head) return sent;
  return { epoch: page.epoch, snapshotHead: page.head, tag: newTag() };
}
