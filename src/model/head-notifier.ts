/**
 * Wakes readers waiting for a region's head to reach a version: long-polls, watches and
 * min-version reads. Fed by commit notifications, so waiting never polls the database.
 */
interface Waiter {
  target: number;
  settle: (reached: boolean) => void;
}

export class HeadNotifier {
  private readonly waiters = new Map<string, Set<Waiter>>();
  private closed = false;

  publish(region: string, head: number): void {
    const set = this.waiters.get(region);
    if (!set) return;
    for (const waiter of set) if (head >= waiter.target) waiter.settle(true);
  }

  /**
   * Resolves true once the region's head is at least `target`, false after `timeoutMs`
   * or when the notifier closes. `readHead` is consulted after registering, so a
   * commit between the caller's last read and this call is never missed.
   */
  async waitFor(
    region: string,
    target: number,
    timeoutMs: number,
    readHead: () => Promise<number>,
    signal?: AbortSignal,
  ): Promise<boolean> {
    if (this.closed || timeoutMs <= 0 || signal?.aborted) return (await readHead()) >= target;
    let set = this.waiters.get(region);
    if (!set) {
      set = new Set();
      this.waiters.set(region, set);
    }
    const registry = set;
    let waiter!: Waiter;
    let timer: NodeJS.Timeout | undefined;
    const onAbort = () => waiter.settle(false);
    const reached = new Promise<boolean>((resolve) => {
      waiter = {
        target,
        settle: (value) => {
          clearTimeout(timer);
          signal?.removeEventListener("abort", onAbort);
          registry.delete(waiter);
          if (registry.size === 0 && this.waiters.get(region) === registry) this.waiters.delete(region);
          resolve(value);
        },
      };
    });
    registry.add(waiter);
    timer = setTimeout(() => waiter.settle(false), timeoutMs);
    signal?.addEventListener("abort", onAbort, { once: true });
    if ((await readHead()) >= target) waiter.settle(true);
    return reached;
  }

  /** Number of readers waiting, for observability and tests. */
  get waiting(): number {
    let n = 0;
    for (const set of this.waiters.values()) n += set.size;
    return n;
  }

  /** True after close(): waits return at once, so loops that wait must stop instead. */
  get isClosed(): boolean {
    return this.closed;
  }

  /** Releases every waiter (with false) and makes later waits return at once. */
  close(): void {
    this.closed = true;
    for (const set of [...this.waiters.values()]) for (const waiter of [...set]) waiter.settle(false);
  }
}
