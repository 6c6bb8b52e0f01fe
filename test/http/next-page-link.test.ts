/**
 * `Link: <…>; rel="next"` on change-feed pages: it names exactly the request a reader
 * would send after applying the page (advance), keeps the rest of the query, and appears
 * only when more follows. Following the links reads the same pages as following the
 * positions, from any start, across resets that span pages (protocol 2).
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import fc from "fast-check";
import { linkedPosition, nextPageLink } from "../../src/model/next-page-link.js";
import { advance, type FeedPosition } from "../../src/protocol/feed-position.js";
import type { Page } from "../../src/protocol/types.js";
import { call, del, type Harness, harness, put, regionOf, regionUrl } from "./helpers.js";

const position = fc.record(
  {
    since: fc.nat(),
    epoch: fc.oneof(fc.constant(""), fc.string({ unit: fc.constantFrom(..."0123456789abcdef"), minLength: 1, maxLength: 16 })),
    resetHead: fc.nat(),
  },
  { requiredKeys: [] },
);
const page = fc.record({
  cursor: fc.nat(),
  epoch: fc.string({ unit: fc.constantFrom(..."0123456789abcdef"), maxLength: 16 }),
  head: fc.nat(),
  reset: fc.boolean(),
  more: fc.boolean(),
});
const otherQuery = fc.dictionary(
  fc.constantFrom("limit", "waitMs", "schema", "since", "epoch", "resetHead"),
  fc.oneof(fc.string({ maxLength: 8 }), fc.array(fc.string({ maxLength: 8 }), { minLength: 1, maxLength: 3 })),
);

describe("the next page's Link", () => {
  it("names the position advance gives, keeps the rest of the query, and only when more follows", () => {
    fc.assert(
      fc.property(position, page, otherQuery, (from, p, query) => {
        const link = nextPageLink("/v1/regions/r%20x/changes", query, from as FeedPosition, p);
        if (!p.more) return assert.equal(link, undefined);
        if (link === undefined) return assert.fail("no Link on a page that says more follows");
        assert.ok(link.startsWith("</v1/regions/r%20x/changes?"), link);
        assert.deepEqual(linkedPosition(link), advance(from as FeedPosition, p));
        const kept = new URLSearchParams(link.slice(link.indexOf("?") + 1, link.indexOf(">")));
        for (const [name, value] of Object.entries(query)) {
          if (name === "since" || name === "epoch" || name === "resetHead") continue;
          assert.deepEqual(kept.getAll(name), Array.isArray(value) ? value : [value]);
        }
      }),
      { numRuns: 500 },
    );
  });

  it("is not read from a header that names no next page", () => {
    for (const header of [null, "", '</x?since=1>; rel="prev"', "garbage"]) assert.equal(linkedPosition(header), undefined);
  });

  describe("over a server", () => {
    const R = "linked";
    let h: Harness;
    let head = 0;
    before(async () => {
      h = await harness();
      for (let i = 0; i < 12; i++) await put(h.app, R, i % 2 ? "c" : "d", `k${i % 5}`, { i });
      await del(h.app, R, "c", "k1");
      await del(h.app, R, "d", "k4");
      head = (await regionOf(h.app, R)).version;
    });
    after(() => h.close());

    const get = async (url: string, protocol: string) => {
      const res = await call<Page>(h.app, "GET", url, { headers: { "verso-protocol": protocol } });
      assert.equal(res.status, 200, res.text);
      return { page: res.body, link: res.headers.link as string | undefined };
    };

    for (const protocol of ["1", "2"])
      it(`followed from any start, reads what following the positions reads (protocol ${protocol})`, async () => {
        const { epoch } = await regionOf(h.app, R);
        const starts = ["", ...Array.from({ length: head + 1 }, (_, since) => `since=${since}&epoch=${epoch}&`)];
        for (const start of starts)
          for (const limit of [1, 2, 3]) {
            const first = `${regionUrl(R)}/changes?${start}limit=${limit}`;
            let byLink = await get(first, protocol);
            let byPosition = byLink;
            let from: FeedPosition = linkedPosition(`<${first}>; rel="next"`) ?? {};
            for (let pages = 1; ; pages++) {
              assert.deepEqual(byLink.page, byPosition.page, `${first}, page ${pages}`);
              assert.equal(byLink.link !== undefined, byLink.page.more, `${first}, page ${pages}: Link when more`);
              if (!byLink.page.more) break;
              assert.ok(pages < 50, `${first}: no end after 50 pages`);
              from = advance(from, byPosition.page);
              const query = new URLSearchParams({ limit: String(limit) });
              for (const [name, value] of Object.entries(from)) query.set(name, String(value));
              const target = /^<([^>]+)>; rel="next"$/.exec(byLink.link ?? "")?.[1];
              assert.ok(target, byLink.link);
              [byLink, byPosition] = await Promise.all([get(target, protocol), get(`${regionUrl(R)}/changes?${query}`, protocol)]);
            }
          }
      });
  });
});
