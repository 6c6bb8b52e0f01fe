/**
 * Feed reads shared between watchers. A commit wakes every watcher of its region at
 * once, and most of them sit at the same cursor: one read then serves them all. A shared
 * read lives until the end of the current turn of the event loop or the region's next
 * commit, whichever comes first, so a watcher is never handed a page older than the
 * commits it has been woken for.
 *
 * Past the turn, a page is kept (weakly) until the region's next commit for as long as
 * someone else holds it: a watcher whose consumer has not taken the page yet. A new
 * watcher at the same position then gets that very page, and with it the bytes already
 * encoded for it, instead of one more copy of a possibly large reset page.
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
  /** Pages still held by someone, per region and read key, until the region's next commit. */
  private readonly kept = new Map<string, Map<string, WeakRef<RawPage>>>();
  private readonly forget = new FinalizationRegistry<{ region: string; key: string; ref: WeakRef<RawPage> }>(({ region, key, ref }) => {
    const pages = this.kept.get(region);
    if (pages?.get(key) !== ref) return;
    pages.delete(key);
    if (pages.size === 0) this.kept.delete(region);
  });
  /** Commits seen per region: a read that straddles one is not kept (turn-long `reads` come and go). */
  private readonly commits = new Map<string, number>();
  private readonly unsubscribe: () => void;
  private clearing = false;

  constructor(private readonly source: FeedSource) {
    this.unsubscribe = source.onCommit((region) => {
      this.kept.delete(region);
      this.commits.set(region, (this.commits.get(region) ?? 0) + 1);
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
      const held = this.kept.get(region)?.get(key)?.deref();
      if (held !== undefined) {
        page = Promise.resolve(held);
        reads.pages.set(key, page);
        reads.head ??= Promise.resolve(held.head);
        return page;
      }
      const generation = reads.generation;
      const commits = this.commits.get(region);
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
          if (this.commits.get(region) === commits) this.keep(region, key, p);
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
    this.kept.clear();
  }

  private keep(region: string, key: string, page: RawPage): void {
    let pages = this.kept.get(region);
    if (!pages) {
      pages = new Map();
      this.kept.set(region, pages);
    }
    const ref = new WeakRef(page);
    pages.set(key, ref);
    this.forget.register(page, { region, key, ref });
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
