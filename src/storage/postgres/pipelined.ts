/**
 * Statements sent without waiting for their answers. Every one gets a handler at once
 * (after a failure, the ones behind it fail too, and must not go unhandled); settled()
 * waits for all and throws the first failure.
 */
export class Pipelined {
  private readonly all: Array<Promise<void>> = [];
  private failure: { error: unknown } | undefined;

  add(promise: Promise<unknown>): void {
    this.all.push(
      promise.then(
        () => {},
        (error: unknown) => {
          this.failure ??= { error };
        },
      ),
    );
  }

  async settled(): Promise<void> {
    await Promise.all(this.all);
    if (this.failure) throw this.failure.error;
  }
}
