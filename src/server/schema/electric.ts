// The query's values are checked by the route (model/electric-shape.ts), whose messages
// say what is supported instead; the schema only documents them.
/**
 * The Shape HTTP protocol of @electric-sql/client as verso serves it (docs/electric.md),
 * as JSON Schema for the route schema and the OpenAPI document.
 */
import { header, queryString } from "./route-schema.js";
import type { JsonSchema } from "./wire.js";

export const SHAPE_QUERY: Record<string, JsonSchema> = {
  table: queryString("the collection the shape holds (required)"),
  offset: queryString("-1 for a new shape, now to start at the head, or the electric-offset of the last answer (required)"),
  handle: queryString("the electric-handle of the shape, with any offset other than -1 or now"),
  live: queryString("true: wait for changes (a long-poll); default false"),
  cursor: queryString("the electric-cursor of the last answer (the client sends it back)"),
  log: queryString("only full (the default): a snapshot, then changes"),
  replica: queryString("default or full: every message carries the whole row either way"),
  columns: queryString("key and/or value; without value, messages carry keys only"),
};

const MESSAGE: JsonSchema = {
  type: "object",
  required: ["headers"],
  properties: {
    headers: {
      type: "object",
      properties: {
        operation: { enum: ["insert", "update", "delete"] },
        control: { enum: ["up-to-date", "must-refetch"] },
      },
    },
    key: { type: "string", description: "the row's key" },
    value: {
      type: "object",
      description: "the row: its key and its JSON value as text (a jsonb column)",
      properties: { key: { type: "string" }, value: { type: "string" } },
    },
    offset: { type: "string" },
  },
};

export const SHAPE_MESSAGES: JsonSchema = { type: "array", items: MESSAGE };

export const SHAPE_HEADERS = {
  "electric-handle": header("the shape's handle: send it back with the next offset"),
  "electric-offset": header("where the next request starts"),
  "electric-schema": header("the columns: key (text) and value (jsonb)"),
  "electric-cursor": header("the long-poll cursor, new on every answer"),
  "electric-up-to-date": header("present when the answer reaches the head"),
};
