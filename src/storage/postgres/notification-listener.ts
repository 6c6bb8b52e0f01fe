/**
 * One LISTEN connection per node. Every write transaction NOTIFYs `[region, head]` on
 * the schema's channel; PostgreSQL delivers it when (and only if) that transaction
 * commits, to every node. A lost connection is re-opened with backoff; notifications
 * sent meanwhile are gone, so after re-listening the current heads of all regions are
 * published, and waiters whose target was reached in the gap wake up and re-check.
 */

import type pg from "pg";
import { backoffDelay } from "../../retry/backoff.js";
import type { CommitObserver } from "../storage.js";
import { parseNotificationPayload } from "./notify.js";

export interface NotificationListenerOptions {
  channel: string;
  connect: () => pg.Client;
  /** A commit seen on the channel (from any node, this one included). */
  onCommit: CommitObserver;
  /** Called after every (re)connection once LISTEN is active: publish current heads. */
  onListening: (reconnected: boolean) => Promise<void>;
  log: (line: string) => void;
  /** First reconnection delay; doubles (with jitter) up to maxRetryMs. */
  retryMs?: number;
  maxRetryMs?: number;
}

export type ListenerState = "connecting" | "listening" | "lost" | "stopped";

export class NotificationListener {
  private client: pg.Client | undefined;
  private state: ListenerState = "connecting";
  private retryTimer: NodeJS.Timeout | undefined;
  private failures = 0;
  private readonly stateWaiters = new Set<() => void>();

  constructor(private readonly options: NotificationListenerOptions) {}

  /** Connects and listens; rejects if the first connection fails. */
  async start(): Promise<void> {
    await this.connect(false);
  }

  get current(): ListenerState {
    return this.state;
  }

  /** Backend process id of the LISTEN connection (for operations and tests). */
  get processId(): number | undefined {
    return (this.client as (pg.Client & { processID?: number }) | undefined)?.processID;
  }

  /** Resolves when the state satisfies `predicate` (checked on every change). */
  until(predicate: (state: ListenerState) => boolean): Promise<void> {
    if (predicate(this.state)) return Promise.resolve();
    return new Promise((resolve) => {
      const check = () => {
        if (!predicate(this.state)) return;
        this.stateWaiters.delete(check);
        resolve();
      };
      this.stateWaiters.add(check);
    });
  }

  /** Stops listening for good: no reconnection follows. */
  async stop(): Promise<void> {
    this.setState("stopped");
    clearTimeout(this.retryTimer);
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => {});
  }

  private setState(state: ListenerState): void {
    if (this.state === "stopped") return;
    this.state = state;
    for (const check of [...this.stateWaiters]) check();
  }

  private async connect(reconnected: boolean): Promise<void> {
    const client = this.options.connect();
    this.client = client;
    client.on("notification", (message) => {
      if (message.channel !== this.options.channel || message.payload === undefined) return;
      const parsed = parseNotificationPayload(message.payload);
      if (parsed) this.options.onCommit(parsed.region, parsed.head);
    });
    client.on("error", (error) => this.lost(client, error));
    client.on("end", () => this.lost(client, new Error("connection ended")));
    try {
      await client.connect();
      await client.query(`LISTEN "${this.options.channel.replaceAll('"', '""')}"`);
    } catch (error) {
      if (reconnected) {
        this.lost(client, error as Error);
        return;
      }
      // The first connection decides whether the storage opens at all: no retries.
      this.client = undefined;
      client.on("error", () => {});
      void client.end().catch(() => {});
      throw error;
    }
    if (this.client !== client || this.state === "stopped") return;
    this.failures = 0;
    this.setState("listening");
    await this.options.onListening(reconnected).catch((error: unknown) => {
      this.options.log(`could not publish heads after (re)connecting: ${(error as Error).message}`);
    });
  }

  private lost(client: pg.Client, error: Error): void {
    if (this.client !== client || this.state === "stopped") return;
    this.client = undefined;
    client.removeAllListeners("notification");
    client.on("error", () => {});
    void client.end().catch(() => {});
    this.setState("lost");
    const delay = Math.round(backoffDelay(this.failures, this.options.retryMs ?? 100, this.options.maxRetryMs ?? 5_000));
    this.failures++;
    this.options.log(`commit notifications lost (${error.message}); reconnecting in ${delay} ms`);
    this.retryTimer = setTimeout(() => {
      if (this.state !== "stopped") void this.connect(true);
    }, delay);
    this.retryTimer.unref();
  }
}
