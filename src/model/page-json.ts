/**
 * Pages carry row values as the JSON text storage holds. The HTTP layer splices that
 * text into the response unparsed (the feed's hot path); library callers get values.
 */
import type { Page, PageOp } from "../protocol/types.js";
import type { RawPage, RawPageOp, StoredRow } from "./raw-page.js";

export function parsePage(raw: RawPage): Page {
  return { ...raw, ops: raw.ops.map(parseOp) };
}

function parseOp(op: RawPageOp): PageOp {
  if (op.op !== "put") return op;
  return {
    op: "put",
    collection: op.collection,
    key: op.key,
    version: op.version,
    ...(op.schemaVersion !== undefined && { schema: op.schemaVersion }),
    value: JSON.parse(op.valueJson),
  };
}

/** The page as JSON text, identical to JSON.stringify(parsePage(raw)) without parsing values. */
export function serializePage(raw: RawPage): string {
  const ops = raw.ops.map((op) => {
    if (op.op === "clear") return '{"op":"clear"}';
    const head = `{"op":"${op.op}","collection":${JSON.stringify(op.collection)},"key":${JSON.stringify(op.key)},"version":${op.version}`;
    if (op.op === "del") return `${head}}`;
    return op.schemaVersion === undefined
      ? `${head},"value":${op.valueJson}}`
      : `${head},"schema":${op.schemaVersion},"value":${op.valueJson}}`;
  });
  return `{"region":${JSON.stringify(raw.region)},"epoch":${JSON.stringify(raw.epoch)},"reset":${raw.reset},"ops":[${ops.join(",")}],"cursor":${raw.cursor},"head":${raw.head},"more":${raw.more}${raw.resetRows === undefined ? "" : `,"resetRows":${raw.resetRows}`}}`;
}

/** A row as `GET …/rows/{k}` answers it, `{"key","version","value"}`, its value spliced unparsed. */
export function serializeRow(row: Pick<StoredRow, "key" | "version" | "valueJson" | "schemaVersion">): string {
  // `schema` only for rows of collections with schemas, so schemaless answers stay as they were.
  const schema = row.schemaVersion === undefined ? "" : `,"schema":${row.schemaVersion}`;
  return `{"key":${JSON.stringify(row.key)},"version":${row.version}${schema},"value":${row.valueJson}}`;
}

/** A page of `GET …/collections/{c}/rows`, `{"rows","next"}`. */
export function serializeRowList(
  rows: ReadonlyArray<Pick<StoredRow, "key" | "version" | "valueJson" | "schemaVersion">>,
  next: string | null,
): string {
  return `{"rows":[${rows.map(serializeRow).join(",")}],"next":${JSON.stringify(next)}}`;
}
