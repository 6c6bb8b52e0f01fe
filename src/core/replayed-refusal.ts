import type { VersoError } from "../protocol/errors.js";

/**
 * A refusal that is the stored first answer of an Idempotency-Key, handed back for a
 * retry. It travels to the HTTP layer as this wrapper, so the response can say it was
 * replayed, as a replayed success does.
 */
export class ReplayedRefusal extends Error {
  constructor(readonly refusal: VersoError) {
    super(refusal.message);
    this.name = "ReplayedRefusal";
  }
}
