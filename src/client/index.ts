export * from "../protocol/errors.js";
export type * from "../protocol/tokens.js";
export type * from "../protocol/types.js";
export { backoffDelay } from "../retry/backoff.js";
export { advance, type FeedEvent, type FeedOptions, type FeedPosition } from "./feed.js";
export { ForeignResponseError } from "./foreign-response.js";
export { VersoClient } from "./http-client.js";
export { type SseEvent, SseParser } from "./sse.js";
export { type ClientOptions, idempotencyKeyOf } from "./transport.js";
