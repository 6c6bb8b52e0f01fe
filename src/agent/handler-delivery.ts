/**
 * Delivery of the journal to the handlers, at least once and in order: the `change`
 * event, then `onChange`. A change leaves the journal only once its handlers finished,
 * so a kill or a failure delivers it again rather than losing it.
 */
import type { EventEmitter } from "node:events";
import type { ReplicaEvents } from "./events.js";
import type { ChangeOp, ReplicaStore } from "./replica-store.js";

/** Journal entries read per round of delivery (bounds memory during a large reset). */
const DELIVERY_BATCH = 256;

/** A handler failed; whoever delivers backs off and delivers the journal again. */
export class HandlerFailure extends Error {
  constructor(
    readonly change: ChangeOp,
    override readonly cause: Error,
  ) {
    super(`handler failed for v${change.version} ${change.collection}/${change.key}: ${cause.message}`);
  }
}

export type ChangeHandler = (change: ChangeOp) => void | Promise<void>;

export class HandlerDelivery {
  constructor(
    private readonly store: ReplicaStore,
    private readonly events: EventEmitter<ReplicaEvents>,
    private readonly onChange: ChangeHandler | undefined,
  ) {}

  /** Whether anyone handles changes: without a handler nor a listener nothing is journaled. */
  get wanted(): boolean {
    return this.onChange !== undefined || this.events.listenerCount("change") > 0;
  }

  /**
   * Delivers the journal in order. With a handler the handled position advances after
   * each change (a kill re-delivers at most the one in flight); with listeners only,
   * after each batch. Throws HandlerFailure at the first failure, having recorded
   * everything before it as handled. Stops early when `signal` aborts. Returns how many
   * changes it delivered.
   */
  async deliver(signal: AbortSignal): Promise<number> {
    if (!this.wanted) return 0;
    let delivered = 0;
    const onChange = this.onChange;
    for (let batch = this.store.pending(DELIVERY_BATCH); batch.length > 0; batch = this.store.pending(DELIVERY_BATCH)) {
      let handled = this.store.state.handled;
      try {
        for (const { seq, change } of batch) {
          if (signal.aborted) return delivered;
          try {
            this.events.emit("change", change);
            // Listeners alone are delivered synchronously, in the same turn as the page.
            if (onChange) await onChange(change);
          } catch (error) {
            throw new HandlerFailure(change, error instanceof Error ? error : new Error(String(error)));
          }
          handled = seq;
          delivered++;
          if (onChange) this.store.markHandled(seq);
        }
      } finally {
        this.store.markHandled(handled);
      }
    }
    return delivered;
  }
}
