/**
 * Statements sent without waiting for their answers. Every one gets a handler at once
 * (after a failure, the ones behind it fail too, and must not go unhandled); settled()
 * waits for all and throws the first failure.
 *
 * The server runs a connection's statements one after another, so sending thousands in
 * one go buys nothing over a window of them, while building and writing them all holds
 * the event loop: 20,000 at once kept it from turning for about half a second. A long
 * run of statements therefore waits for `room()` before each, which lets a window's
 * worth be outstanding and refills it from half-empty, so the server never runs dry.
 */
export const PIPELINE_WINDOW = 256;

export class Pipelined {
  private readonly all: Array<Promise<void>> = [];
  private failure: { error: unknown } | undefined;
  private outstanding = 0;
  private waiting: { atMost: number; resolve: () => void } | undefined;

  add(promise: Promise<unknown>): void {
    this.outstanding++;
    this.all.push(
      promise.then(
        () => this.settle(),
        (error: unknown) => {
          this.failure ??= { error };
          this.settle();
        },
      ),
    );
  }

  /** Resolves at once while fewer than `window` statements are outstanding, else once half of them have answered. */
  room(window = PIPELINE_WINDOW): Promise<void> | undefined {
    if (this.outstanding < window) return undefined;
    return new Promise((resolve) => {
      this.waiting = { atMost: Math.floor(window / 2), resolve };
    });
  }

  async settled(): Promise<void> {
    await Promise.all(this.all);
    if (this.failure) throw this.failure.error;
  }

  private settle(): void {
    this.outstanding--;
    const waiting = this.waiting;
    if (waiting && this.outstanding <= waiting.atMost) {
      this.waiting = undefined;
      waiting.resolve();
    }
  }
}
