/**
 * The real @electric-sql/client against a real listening verso: a backend per engine,
 * and a mirror that follows a ShapeStream the way a strict client does (an insert for
 * a key it holds is a violation, as TanStack DB's DuplicateKeySyncError).
 */
import { rmSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isChangeMessage, isControlMessage, type Message, type Offset, type Row, ShapeStream } from "@electric-sql/client";
import type { VersoStore } from "../../src/core/store.js";
import { openStore } from "../../src/open-store.js";
import type { Json } from "../../src/protocol/types.js";
import { type RunningServer, startServer } from "../../src/server/serve.js";
import { dropSchema, PG_URL, randomSchema } from "../postgres/pg-env.js";

/**
 * The client's up-to-date tracker schedules a save up to a minute ahead and does not
 * unref the timer, so a finished test file would linger for that minute. Timers that
 * long are unref'd here; no test waits on one.
 */
const setTimeoutOfNode = globalThis.setTimeout;
globalThis.setTimeout = ((...args: Parameters<typeof setTimeout>) => {
  const timer = setTimeoutOfNode(...args);
  if ((args[1] ?? 0) >= 50_000) timer.unref();
  return timer;
}) as typeof setTimeout;

export interface Served {
  store: VersoStore;
  server: RunningServer;
  shapeUrl: (region: string) => string;
  close: () => Promise<void>;
}

export interface Backend {
  name: string;
  /** With `adminToken`, the server requires tokens (and keeps scoped ones in the store). */
  serve: (adminToken?: string) => Promise<Served>;
}

async function served(store: VersoStore, cleanup: () => Promise<void>, adminToken?: string): Promise<Served> {
  const server = await startServer({ store, host: "127.0.0.1", port: 0, log: () => {}, ...(adminToken !== undefined && { adminToken }) });
  return {
    store,
    server,
    shapeUrl: (region) => `${server.url}/v1/regions/${encodeURIComponent(region)}/shape`,
    close: async () => {
      server.app.server.closeAllConnections();
      await server.stop();
      await store.close();
      await cleanup();
    },
  };
}

export const BACKENDS: Backend[] = [
  {
    name: "sqlite",
    serve: async (adminToken) => {
      const dir = await mkdtemp(join(tmpdir(), "verso-electric-"));
      const store = await openStore({ path: join(dir, "verso.db"), maintenanceIntervalMs: 0 });
      return served(store, async () => rmSync(dir, { recursive: true, force: true }), adminToken);
    },
  },
  {
    name: "postgres",
    serve: async (adminToken) => {
      const schema = randomSchema("verso_electric");
      const store = await openStore({ postgres: { connectionString: PG_URL, schema, poolSize: 4 }, maintenanceIntervalMs: 0 });
      return served(store, () => dropSchema(schema), adminToken);
    },
  },
];

type ShapeRow = Row & { key: string; value: Json };

export interface MirrorOptions {
  offset?: Offset;
  handle?: string;
  headers?: Record<string, string>;
}

/** A ShapeStream applied to a Map, with what a test needs to see of it. */
export class Mirror {
  readonly rows = new Map<string, Json>();
  /** Inserts of a key already held, updates of a key not held. */
  readonly duplicateInserts: string[] = [];
  readonly operations: Array<{ operation: string; key: string }> = [];
  /** HTTP statuses of every response, in order. */
  readonly statuses: number[] = [];
  refetches = 0;
  upToDates = 0;
  error: unknown;
  readonly stream: ShapeStream<ShapeRow>;
  private readonly controller = new AbortController();
  private readonly waiters = new Set<() => void>();

  constructor(url: string, table: string, options: MirrorOptions = {}) {
    const fetchClient: typeof fetch = async (input, init) => {
      const response = await fetch(input, init);
      this.statuses.push(response.status);
      return response;
    };
    this.stream = new ShapeStream<ShapeRow>({
      url,
      params: { table },
      ...(options.offset !== undefined && { offset: options.offset }),
      ...(options.handle !== undefined && { handle: options.handle }),
      ...(options.headers && { headers: options.headers }),
      signal: this.controller.signal,
      fetchClient,
      onError: (error) => {
        this.error = error;
        this.wake();
      },
    });
    this.stream.subscribe(
      (messages) => this.apply(messages),
      (error) => {
        this.error = error;
        this.wake();
      },
    );
  }

  private apply(messages: Message<ShapeRow>[]): void {
    for (const message of messages) {
      if (isChangeMessage(message)) {
        const key = message.value.key;
        const operation = message.headers.operation;
        this.operations.push({ operation, key });
        if (operation === "insert" && this.rows.has(key)) this.duplicateInserts.push(key);
        if (operation === "delete") this.rows.delete(key);
        else this.rows.set(key, message.value.value);
      } else if (isControlMessage(message)) {
        if (message.headers.control === "must-refetch") {
          this.refetches++;
          this.rows.clear();
        } else if (message.headers.control === "up-to-date") {
          this.upToDates++;
          this.wake();
        }
      }
    }
  }

  private wake(): void {
    for (const waiter of this.waiters) waiter();
  }

  /** Resolves once, at an up-to-date, the mirror holds exactly `expected`. */
  async reaches(expected: ReadonlyMap<string, Json>, timeoutMs = 30_000): Promise<void> {
    const matches = () => this.upToDates > 0 && sameRows(this.rows, expected);
    if (matches()) return;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error(`mirror did not reach ${expected.size} rows (holds ${this.rows.size}; error ${String(this.error)})`));
      }, timeoutMs);
      const check = () => {
        if (this.error !== undefined) {
          clearTimeout(timer);
          this.waiters.delete(check);
          reject(this.error);
        } else if (matches()) {
          clearTimeout(timer);
          this.waiters.delete(check);
          resolve();
        }
      };
      this.waiters.add(check);
      check();
    });
  }

  get handle(): string | undefined {
    return this.stream.shapeHandle;
  }

  get offset(): Offset {
    return this.stream.lastOffset;
  }

  stop(): void {
    this.controller.abort();
    this.stream.unsubscribeAll();
  }
}

export function sameRows(a: ReadonlyMap<string, Json>, b: ReadonlyMap<string, Json>): boolean {
  if (a.size !== b.size) return false;
  for (const [key, value] of a) {
    if (!b.has(key) || JSON.stringify(b.get(key)) !== JSON.stringify(value)) return false;
  }
  return true;
}

/** Every live row of a collection, read through the store (the truth the mirrors must reach). */
export async function collectionRows(store: VersoStore, region: string, collection: string): Promise<Map<string, Json>> {
  const rows = new Map<string, Json>();
  let after: string | undefined;
  for (;;) {
    const page = await store.list(region, collection, { limit: 10_000, ...(after !== undefined && { after }) });
    for (const row of page.rows) rows.set(row.key, row.value);
    if (page.next === null) return rows;
    after = page.next;
  }
}
