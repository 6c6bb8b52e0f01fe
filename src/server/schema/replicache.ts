/**
 * Replicache's pull and push (version 1) as JSON Schema, for the route schemas and the
 * OpenAPI document. Replicache's own refusals (`ClientStateNotFound`,
 * `VersionNotSupported`) are 200 answers, as its client expects them.
 */
import type { JsonSchema } from "./wire.js";

const CLIENT_ID: JsonSchema = { type: "string", minLength: 1, maxLength: 256 };
const COOKIE: JsonSchema = {
  type: "object",
  description: "verso's cookie: order never goes back; version and epoch are the region's",
  properties: { order: { type: "integer" }, version: { type: "integer" }, epoch: { type: "string" } },
  required: ["order", "version", "epoch"],
};

export const PULL_REQUEST: JsonSchema = {
  type: "object",
  required: ["pullVersion", "clientGroupID"],
  properties: {
    pullVersion: { const: 1 },
    clientGroupID: CLIENT_ID,
    cookie: { oneOf: [COOKIE, { type: "null" }], description: "null, or the cookie of the last pull; anything else is a reset" },
    profileID: { type: "string" },
    schemaVersion: { type: "string" },
  },
};

export const PUSH_REQUEST: JsonSchema = {
  type: "object",
  required: ["pushVersion", "clientGroupID", "mutations"],
  properties: {
    pushVersion: { const: 1 },
    clientGroupID: CLIENT_ID,
    mutations: {
      type: "array",
      items: {
        type: "object",
        required: ["clientID", "id", "name"],
        properties: {
          clientID: CLIENT_ID,
          id: { type: "integer", minimum: 1 },
          name: { description: "put {key, value}, del {key} or txn {ops}; any other is recorded as rejected", type: "string" },
          args: { description: "the mutator's arguments; a key is collection/key" },
          timestamp: { type: "number" },
        },
      },
    },
    profileID: { type: "string" },
    schemaVersion: { type: "string" },
  },
};

const REFUSAL: JsonSchema = {
  oneOf: [
    { type: "object", required: ["error"], properties: { error: { const: "ClientStateNotFound" } } },
    {
      type: "object",
      required: ["error", "versionType"],
      properties: { error: { const: "VersionNotSupported" }, versionType: { enum: ["pull", "push"] } },
    },
  ],
};

const PATCH_OP: JsonSchema = {
  oneOf: [
    { type: "object", required: ["op"], properties: { op: { const: "clear" } }, additionalProperties: false },
    { type: "object", required: ["op", "key", "value"], properties: { op: { const: "put" }, key: { type: "string" }, value: {} } },
    { type: "object", required: ["op", "key"], properties: { op: { const: "del" }, key: { type: "string" } }, additionalProperties: false },
  ],
};

export const PULL_RESPONSE: JsonSchema = {
  oneOf: [
    {
      type: "object",
      required: ["cookie", "lastMutationIDChanges", "patch"],
      properties: {
        cookie: COOKIE,
        lastMutationIDChanges: { type: "object", additionalProperties: { type: "integer" } },
        patch: { type: "array", items: PATCH_OP },
      },
      additionalProperties: false,
    },
    REFUSAL,
  ],
};

export const PUSH_RESPONSE: JsonSchema = {
  oneOf: [
    {
      type: "object",
      required: ["mutations"],
      properties: {
        error: { const: "ClientStateNotFound" },
        mutations: {
          type: "array",
          items: {
            type: "object",
            required: ["clientID", "id", "result"],
            properties: {
              clientID: { type: "string" },
              id: { type: "integer" },
              result: { enum: ["applied", "skipped", "rejected"] },
              version: { type: "integer" },
              reason: { type: "string" },
            },
            additionalProperties: false,
          },
        },
      },
      additionalProperties: false,
    },
    REFUSAL,
  ],
};
