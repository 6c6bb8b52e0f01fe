/**
 * `Link: <…>; rel="next"` (RFC 8288) on a change-feed page that says more follows: the
 * request for the next page, as a reader would build it after applying this one
 * (`advance`), with the rest of the request's query kept. A reader may send it as soon as
 * the headers arrive, so that the next page is read and sent while it is still receiving
 * and parsing this one. The server and the agent's listener both send it.
 */
import { advance, type FeedPosition, feedPosition } from "../protocol/feed-position.js";
import type { Page } from "../protocol/types.js";

const POSITION = ["since", "epoch", "resetHead"] as const;

export function nextPageLink(
  path: string,
  query: Readonly<Record<string, unknown>>,
  from: FeedPosition,
  page: Pick<Page, "cursor" | "epoch" | "head" | "reset" | "more">,
): string | undefined {
  if (!page.more) return undefined;
  const next = advance(from, page);
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    if ((POSITION as readonly string[]).includes(name)) continue;
    for (const item of Array.isArray(value) ? value : [value]) if (typeof item === "string") search.append(name, item);
  }
  for (const name of POSITION) {
    const value = next[name];
    if (value !== undefined) search.set(name, String(value));
  }
  return `<${path}?${search}>; rel="next"`;
}

/** The position a `Link: <…>; rel="next"` header names, or undefined when there is none. */
export function linkedPosition(link: string | null | undefined): FeedPosition | undefined {
  const target = link ? /<([^>]*)>\s*;\s*rel="?next"?/.exec(link)?.[1] : undefined;
  if (target === undefined) return undefined;
  const query = new URLSearchParams(target.slice(target.indexOf("?") + 1));
  const since = query.get("since");
  const resetHead = query.get("resetHead");
  return feedPosition({
    since: since === null ? undefined : Number(since),
    epoch: query.get("epoch") ?? undefined,
    resetHead: resetHead === null ? undefined : Number(resetHead),
  });
}
