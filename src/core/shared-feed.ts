/**
 * Feed reads shared between watchers. A commit wakes every watcher of its region at
 * once, and most of them sit at the same cursor: one read then serves them all. A shared
 * read lives until the end of the current turn of the event loop or the region's next
 * commit, whichever comes first, so a watcher is never handed a page older than the
 * commits it has been woken for.
 */

import type { RawPage } from "../model/raw-page.js";
import type { FeedPosition } from "../protocol/feed-position.js";
import type { ChangesOptions } from "./read-options.js";

/** Where shared reads come from: the store's raw feed, its heads and its commit notifications. */
export interface FeedSource {
  changesRaw(region: string, options: ChangesOptions): Promise<RawPage>;
  head(region: string): Promise<number>;
  onCommit(listener: (region: string) => void): () => void;
}

/** How pages are cut, besides the position: part of what makes two reads the same. */
export interface PageShape {
  /** Ops per page; absent = the feed's default. */
  limit?: number;
  /** The reader continues resets with `resetHead` (protocol 2), see ChangesQuery. */
  resumableReset?: boolean;
}

interface RegionReads {
  pages: Map<string, Promise<RawPage>>;
  head?: Promise<number>;
  /** Bumped by every commit, so a read that straddles one is not remembered. */
  generation: number;
}

export class SharedFeed {
  private readonly regions = new Map<string, RegionReads>();
  private readonly unsubscribe: () => void;
  private clearing = false;

  constructor(private readonly source: FeedSource) {
    this.unsubscribe = source.onCommit((region) => {
      const reads = this.regions.get(region);
      if (!reads) return;
      reads.pages.clear();
      delete reads.head;
      reads.generation++;
    });
  }

  /** One page of changes, as `changesRaw` would answer (no wait). */
  changes(region: string, position: FeedPosition, shape: PageShape = {}): Promise<RawPage> {
    const reads = this.reads(region);
    const { since, epoch, resetHead } = position;
    const { limit, resumableReset = false } = shape;
    // An empty epoch is not checked, exactly like an absent one.
    const key = `${since ?? ""}:${epoch ?? ""}:${resetHead ?? ""}:${limit ?? ""}:${resumableReset ? 2 : 1}`;
    let page = reads.pages.get(key);
    if (!page) {
      const generation = reads.generation;
      page = this.source.changesRaw(region, {
        ...(since !== undefined && { since }),
        ...(epoch && { epoch }),
        ...(resetHead !== undefined && { resetHead }),
        ...(limit !== undefined && { limit }),
        ...(resumableReset && { resumableReset }),
      });
      reads.pages.set(key, page);
      // The page also tells the head, which every watcher asks for when it goes back to waiting.
      page.then(
        (p) => {
          if (reads.generation === generation && this.regions.get(region) === reads) reads.head ??= Promise.resolve(p.head);
        },
        () => reads.pages.get(key) === page && reads.pages.delete(key),
      );
    }
    return page;
  }

  /** The region's head version. */
  head(region: string): Promise<number> {
    const reads = this.reads(region);
    reads.head ??= this.source.head(region);
    return reads.head;
  }

  close(): void {
    this.unsubscribe();
    this.regions.clear();
  }

  private reads(region: string): RegionReads {
    let reads = this.regions.get(region);
    if (!reads) {
      reads = { pages: new Map(), generation: 0 };
      this.regions.set(region, reads);
      this.clearAfterTurn();
    }
    return reads;
  }

  private clearAfterTurn(): void {
    if (this.clearing) return;
    this.clearing = true;
    setImmediate(() => {
      this.clearing = false;
      this.regions.clear();
    });
  }
}
