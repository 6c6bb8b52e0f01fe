export { backoffDelay } from "../core/backoff.js";
export * from "../protocol/errors.js";
export type * from "../protocol/tokens.js";
export type * from "../protocol/types.js";
export * from "./agent/index.js";
export { advance, type FeedEvent, type FeedOptions, type FeedPosition, type FollowOptions } from "./feed.js";
export { ForeignResponseError } from "./foreign-response.js";
export {
  type ChangesParams,
  type ClientOptions,
  type ConditionalOpts,
  idempotencyKeyOf,
  VersoClient,
  type WriteOpts,
} from "./http-client.js";
export { type SseEvent, SseParser } from "./sse.js";
