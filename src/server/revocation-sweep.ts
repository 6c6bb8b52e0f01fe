/**
 * A revocation made through one node ends that token's open reads (long-polls, watch
 * streams) on that node at once; other nodes sharing the database are not told. They
 * would refuse the token's next request within the token cache time, but a read that is
 * already open makes no more requests. So every node re-reads the tokens of its open
 * reads each cache period and ends those of tokens revoked (or gone) meanwhile: a
 * revocation reaches open reads within the same bound as new requests. One lookup per
 * period, and none while no token has a read open.
 */
import type { TokenStorage } from "../storage/token-storage.js";

/** With a cache time of 0 (every request asks storage), open reads are checked this often. */
export const UNCACHED_SWEEP_MS = 1_000;

export interface RevocationSweepOptions {
  tokens: TokenStorage;
  /** The token cache time. */
  cacheMs: number;
  /** Ids of the tokens that have reads open now. */
  openTokens: () => string[];
  /** Ends a revoked token's open reads (and forgets cached lookups). */
  revoked: (id: string) => void;
  log: (line: string) => void;
}

/** Starts sweeping; the returned function stops it. */
export function startRevocationSweep(options: RevocationSweepOptions): () => void {
  const everyMs = options.cacheMs > 0 ? options.cacheMs : UNCACHED_SWEEP_MS;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const sweep = async () => {
    const open = options.openTokens();
    if (open.length > 0) {
      try {
        const valid = new Set((await options.tokens.list()).filter((t) => t.revokedAt === null).map((t) => t.id));
        for (const id of open) if (!valid.has(id) && !stopped) options.revoked(id);
      } catch (error) {
        // The next sweep tries again; storage that cannot be read fails requests too.
        options.log(`checking the tokens of open reads failed: ${(error as Error).message}`);
      }
    }
    if (!stopped) schedule();
  };
  const schedule = () => {
    timer = setTimeout(() => void sweep(), everyMs);
    // A sweep never keeps the process alive on its own.
    timer.unref();
  };
  schedule();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
