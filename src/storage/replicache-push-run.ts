/**
 * The walk through a Replicache push, written once for both engines: which mutations
 * run (mutation-id rules of model/replicache.ts), what became of each, and the state
 * every client of the push ends in. An engine applies what the walk hands it, inside
 * the transaction that also stores `clientRows()`, so a mutation and its client's last
 * mutation id are durable together.
 */
import { mutationStep, type ReplicacheClientState } from "../model/replicache.js";
import type { ReplicacheMutation, WriteCommand } from "../model/write-command.js";
import type { MutationOutcome, PushStop, WriteOutcome } from "../model/write-outcome.js";

type PushCommand = Extract<WriteCommand, { kind: "replicachePush" }>;

export interface ClientRow {
  clientID: string;
  lastMutationID: number;
  /** The version of its last processed mutation. */
  version: number;
}

export class PushRun {
  private readonly outcomes: MutationOutcome[] = [];
  private stopped: PushStop | undefined;
  private readonly changed = new Map<string, ClientRow>();
  private head = 0;

  /** `stored`: a client's state before this push (undefined: none). */
  constructor(
    private readonly command: PushCommand,
    private readonly stored: (clientID: string) => ReplicacheClientState | undefined,
  ) {}

  /** The mutations to apply, in order; each must be answered with applied() before the next is drawn. */
  *mutations(): Generator<ReplicacheMutation> {
    for (const mutation of this.command.mutations) {
      const step = mutationStep(this.state(mutation.clientID), this.command.clientGroupID, mutation.id);
      if (step.kind === "skip") {
        this.outcomes.push({ clientID: mutation.clientID, id: mutation.id, result: "skipped" });
        continue;
      }
      if (step.kind === "stop") {
        this.stopped = { clientID: mutation.clientID, id: mutation.id, reason: step.reason, lastMutationID: step.lastMutationID };
        return;
      }
      yield mutation;
    }
  }

  /** The mutation took `version`; `rejected` says why it changed no row. */
  applied(mutation: ReplicacheMutation, version: number, rejected?: string): void {
    this.changed.set(mutation.clientID, { clientID: mutation.clientID, lastMutationID: mutation.id, version });
    this.head = version;
    this.outcomes.push({
      clientID: mutation.clientID,
      id: mutation.id,
      version,
      ...(rejected === undefined ? { result: "applied" } : { result: "rejected", reason: rejected }),
    });
  }

  /** The clients whose last mutation id this push moved, to be stored with its writes. */
  clientRows(): ClientRow[] {
    return [...this.changed.values()];
  }

  outcome(): WriteOutcome {
    return {
      status: "pushed",
      region: this.command.region,
      head: this.head,
      mutations: this.outcomes,
      ...(this.stopped && { stopped: this.stopped }),
    };
  }

  private state(clientID: string): ReplicacheClientState | undefined {
    const changed = this.changed.get(clientID);
    if (changed) return { clientGroupID: this.command.clientGroupID, lastMutationID: changed.lastMutationID };
    return this.stored(clientID);
  }
}
