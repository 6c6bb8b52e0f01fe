export * from "../protocol/errors.js";
export type * from "../protocol/tokens.js";
export type * from "../protocol/types.js";
export { type ChangesParams, type ClientOptions, type ConditionalOpts, VersoClient, type WriteOpts } from "./http-client.js";
