/**
 * Whether the agent hears from its server, and since when it has not: what `/healthz`
 * of the listener reports. Contact is any event of the feed (a page or a heartbeat), seen
 * as the transport yields it; a disconnect ends it.
 */
import type { FeedTransport } from "./transport.js";

export interface LinkState {
  /** An event arrived on the current connection and it has not failed since. */
  connected: boolean;
  /** Milliseconds since the server was last heard from; null if never in this process. */
  sinceContactMs: number | null;
}

export class LinkStatus {
  private lastContact: number | undefined;
  private connected = false;
  private readonly contactListeners = new Set<() => void>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Calls `listener` at each contact; returns the function that stops it. */
  onContact(listener: () => void): () => void {
    this.contactListeners.add(listener);
    return () => this.contactListeners.delete(listener);
  }

  /** The raw facts, for a thread that computes `state` itself. */
  get contact(): { connected: boolean; lastContact: number | null } {
    return { connected: this.connected, lastContact: this.lastContact ?? null };
  }

  /** The same transport, noting each event as contact. */
  observe(transport: FeedTransport): FeedTransport {
    const noteContact = () => {
      this.connected = true;
      this.lastContact = this.now();
      for (const listener of this.contactListeners) listener();
    };
    return async function* observed(position, signal) {
      for await (const event of transport(position, signal)) {
        noteContact();
        yield event;
      }
    };
  }

  disconnected(): void {
    this.connected = false;
  }

  get state(): LinkState {
    return { connected: this.connected, sinceContactMs: this.lastContact === undefined ? null : this.now() - this.lastContact };
  }
}
