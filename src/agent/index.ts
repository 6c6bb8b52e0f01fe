/** verso's edge agent as a library: a durable local replica of one region (`openReplica`). */

export * from "../protocol/errors.js";
export type * from "../protocol/types.js";
export type { PageInfo, ReplicaEvents } from "./events.js";
export type { ChangeHandler } from "./handler-delivery.js";
export { openReplica, Replica, type ReplicaOptions } from "./replica.js";
export { REPLICA_STATE_VERSION } from "./replica-schema.js";
export type { ChangeOp } from "./replica-store.js";
export { ReplicaMismatchError } from "./replica-store.js";
export type { FeedTransport, TransportName } from "./transport.js";
