/**
 * Tells the server what this agent has applied and handled: at once when caught up,
 * shortly after pages (at most once per `minGapMs`, so a busy feed costs one report per
 * gap, not one per page) and every `intervalMs` while nothing happens, which is how the
 * server tells a quiet agent from a dead one. Reports are never retried: the next one
 * supersedes a lost one. A server without the endpoint (404) is not asked again.
 */
import type { VersoClient } from "../client/http-client.js";
import type { AgentReport } from "../protocol/agents.js";
import { NotFoundError } from "../protocol/errors.js";

export interface StatusReporterOptions {
  client: VersoClient;
  region: string;
  id: string;
  /** What to report now; undefined while nothing has been applied. */
  snapshot: () => AgentReport | undefined;
  intervalMs: number;
  minGapMs?: number;
  /** Told when a report fails (the agent goes on regardless). */
  onError?: (error: Error) => void;
}

export class StatusReporter {
  private timer: NodeJS.Timeout | undefined;
  private dueAt = Number.POSITIVE_INFINITY;
  private sending: Promise<void> | undefined;
  private again = false;
  private lastSent = 0;
  private stopped = false;
  private readonly controller = new AbortController();

  constructor(private readonly options: StatusReporterOptions) {}

  start(): void {
    this.schedule(this.options.intervalMs);
  }

  /** Reports as soon as possible (caught up). */
  now(): void {
    this.schedule(0);
  }

  /** Reports within the minimum gap (a page was applied). */
  soon(): void {
    const gap = this.options.minGapMs ?? 1_000;
    this.schedule(Math.max(0, this.lastSent + gap - Date.now()));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.controller.abort();
    await this.sending;
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    const at = Date.now() + delayMs;
    if (at >= this.dueAt) return;
    clearTimeout(this.timer);
    this.dueAt = at;
    this.timer = setTimeout(() => this.fire(), delayMs);
    this.timer.unref();
  }

  private fire(): void {
    this.dueAt = Number.POSITIVE_INFINITY;
    if (this.sending) {
      this.again = true;
      return;
    }
    this.sending = this.send().finally(() => {
      this.sending = undefined;
      if (this.again) {
        this.again = false;
        this.soon();
      }
      this.schedule(this.options.intervalMs);
    });
  }

  private async send(): Promise<void> {
    const report = this.options.snapshot();
    if (report === undefined) return;
    this.lastSent = Date.now();
    try {
      await this.options.client.reportAgent(this.options.region, this.options.id, report, this.controller.signal);
    } catch (error) {
      if (this.stopped) return;
      if (error instanceof NotFoundError) {
        this.stopped = true;
        clearTimeout(this.timer);
      }
      this.options.onError?.(error as Error);
    }
  }
}
