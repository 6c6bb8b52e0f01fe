/**
 * A reader's replica built only from change pages, the way an edge agent builds it.
 * Tests compare it with the state they expect, so a feed that skips, repeats out of
 * order or loops shows up as a difference.
 */
import type { RawPage } from "../../src/model/raw-page.js";

export interface Cell {
  version: number;
  valueJson: string;
}

/** Live rows by `collection/key`. */
export type State = Map<string, Cell>;

export function cellId(collection: string, key: string): string {
  return `${collection}/${key}`;
}

export function applyPage(state: State, page: RawPage): void {
  for (const op of page.ops) {
    if (op.op === "clear") state.clear();
    else if (op.op === "put") state.set(cellId(op.collection, op.key), { version: op.version, valueJson: op.valueJson });
    else state.delete(cellId(op.collection, op.key));
  }
}

/** Reads one page; `since` absent asks for a reset. */
export type ReadPage = (since: number | undefined, epoch: string | undefined, limit: number) => Promise<RawPage>;

export interface Followed {
  state: State;
  cursor: number;
  epoch: string;
  pages: RawPage[];
}

/**
 * Applies pages from a cursor until one says `more: false`. Every page must move the
 * cursor forward (or be the first of a reset), otherwise the reader would spin forever:
 * that is reported as an error instead of hanging the test.
 */
export async function follow(
  read: ReadPage,
  start: { state: State; since?: number; epoch?: string },
  limit: number | (() => number),
): Promise<Followed> {
  const state = new Map(start.state);
  let since = start.since;
  let epoch = start.epoch;
  const pages: RawPage[] = [];
  let resetsInARow = 0;
  for (;;) {
    const page = await read(since, epoch, typeof limit === "number" ? limit : limit());
    pages.push(page);
    applyPage(state, page);
    if (!page.more) return { state, cursor: page.cursor, epoch: page.epoch, pages };
    resetsInARow = page.reset ? resetsInARow + 1 : 0;
    const stalled = !page.reset && since !== undefined && page.cursor <= since;
    if (stalled || resetsInARow > 2) {
      throw new Error(`feed does not converge: page ${pages.length} from ${since} is ${JSON.stringify({ ...page, ops: page.ops.length })}`);
    }
    since = page.cursor;
    epoch = page.epoch;
  }
}

/** Sorted entries, so that assert.deepEqual reports a readable difference. */
export function entries(state: State): Array<[string, Cell]> {
  return [...state.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}
