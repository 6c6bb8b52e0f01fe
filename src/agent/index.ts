/** verso's edge agent as a library: a durable local replica of one region (`openReplica`). */

export * from "../protocol/errors.js";
export type * from "../protocol/types.js";
export type { PageInfo, ReplicaEvents } from "./events.js";
export type { ChangeHandler } from "./handler-delivery.js";
export type { LinkState } from "./link-status.js";
export { describeAddress, type ListenAddress, parseListenAddress } from "./listen-address.js";
export { type ReadListener, type ReadListenerOptions, startReadListener, UnauthenticatedListenError } from "./read-listener.js";
export type { ReplicaReads } from "./read-routes.js";
export { openReplica, type ReadUpdate, Replica, type ReplicaOptions } from "./replica.js";
export type { ReadPosition, ReplicaRow } from "./replica-reader.js";
export { REPLICA_STATE_VERSION } from "./replica-schema.js";
export type { ChangeOp } from "./replica-store.js";
export { ReplicaMismatchError } from "./replica-store.js";
export type { FeedTransport, TransportName } from "./transport.js";
export type { BarrierOptions } from "./version-barrier.js";
