/**
 * Wire types of verso's Replicache endpoints, as Replicache 15 speaks them (pull and
 * push version 1). A row is the Replicache key `collection/key`. Pure data.
 */
import type { Json } from "./types.js";

/** The error bodies Replicache itself understands (answered with HTTP 200). */
export type ReplicacheErrorBody = { error: "ClientStateNotFound" } | { error: "VersionNotSupported"; versionType: "pull" | "push" };

export type ReplicachePatchOp = { op: "clear" } | { op: "put"; key: string; value: Json } | { op: "del"; key: string };

export interface ReplicachePullResponse {
  cookie: { order: number; version: number; epoch: string };
  lastMutationIDChanges: Record<string, number>;
  patch: ReplicachePatchOp[];
}

/**
 * What became of each mutation of a push (Replicache reads only `error`; the rest is for
 * logs and tools). `error` is set when the push met a client whose state verso does not
 * have: Replicache then stops that client (its `onClientStateNotFound`).
 */
export interface ReplicachePushResult {
  error?: "ClientStateNotFound";
  mutations: Array<{
    clientID: string;
    id: number;
    result: "applied" | "skipped" | "rejected";
    version?: number;
    reason?: string;
  }>;
}
