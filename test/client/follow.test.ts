import assert from "node:assert/strict";
import { createServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, it } from "node:test";
import { VersoClient } from "../../src/client/http-client.js";
import type { Page } from "../../src/protocol/types.js";

function page(partial: Partial<Page> & Pick<Page, "ops" | "cursor">): Page {
  return { region: "eu", epoch: "e1", reset: false, head: 3, more: false, ...partial };
}

/** Answers scripted pages in turn and tells of each request as it arrives; the last one is held open. */
async function scriptedServer(pages: Page[]) {
  const requests: { query: URLSearchParams; response: ServerResponse }[] = [];
  const waiting: (() => void)[] = [];
  const server = createServer((request, response) => {
    const query = new URL(request.url ?? "/", "http://x").searchParams;
    const next = pages[requests.length];
    requests.push({ query, response });
    for (const wake of waiting.splice(0)) wake();
    if (next) {
      response.writeHead(200, { "content-type": "application/json" });
      response.end(JSON.stringify(next));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    async received(count: number): Promise<void> {
      while (requests.length < count) await new Promise<void>((resolve) => waiting.push(resolve));
    },
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe("client: follow reads the next page while the consumer applies one", () => {
  it("asks for the page after one that says more follows before the consumer asks, and aborts it when the consumer leaves", async () => {
    const server = await scriptedServer([
      page({ reset: true, ops: [{ op: "clear" }, { op: "put", collection: "c", key: "a", version: 1, value: 1 }], cursor: 1, more: true }),
      page({ ops: [{ op: "put", collection: "c", key: "b", version: 2, value: 2 }], cursor: 2, more: true }),
    ]);
    try {
      const feed = new VersoClient({ server: server.url }).follow("eu", { waitMs: 100 });
      const first = await feed.next();
      assert.equal(first.done, false);
      // The consumer has not asked for more: the second page is on its way all the same,
      // from the position after the first (a reset's continuation names its head).
      await server.received(2);
      const second = server.requests[1]?.query;
      assert.deepEqual([second?.get("since"), second?.get("epoch"), second?.get("resetHead")], ["1", "e1", "3"]);
      const next = await feed.next();
      assert.equal(next.done, false);
      assert.equal(next.value?.type === "changes" && next.value.page.cursor, 2);
      await server.received(3);
      assert.equal(server.requests[2]?.query.get("since"), "2");
      assert.equal(server.requests[2]?.query.get("resetHead"), "3");
      // The third page is never answered: leaving must end its request.
      const held = server.requests[2]?.response;
      const closed = new Promise<void>((resolve) => held?.once("close", () => resolve()));
      await feed.return(undefined);
      await closed;
      assert.equal(server.requests.length, 3);
    } finally {
      await server.close();
    }
  });
});

describe("client: follow asks for the next page as soon as a page's headers name it", () => {
  /** The first page's headers go out with its Link at once; its body only once the next request has arrived. */
  async function linkingServer(link: string, pages: Page[]) {
    const queries: URLSearchParams[] = [];
    let release: () => void = () => {};
    const nextArrived = new Promise<void>((resolve) => {
      release = resolve;
    });
    const server = createServer((request, response) => {
      const query = new URL(request.url ?? "/", "http://x").searchParams;
      const at = queries.push(query) - 1;
      const body = pages[at];
      if (at === 1) release();
      if (!body) return; // held open
      response.writeHead(200, { "content-type": "application/json", ...(at === 0 && { link }) });
      response.flushHeaders();
      if (at === 0) void nextArrived.then(() => response.end(JSON.stringify(body)));
      else response.end(JSON.stringify(body));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    return {
      url: `http://127.0.0.1:${port}`,
      queries,
      close: () => {
        server.closeAllConnections();
        return new Promise<void>((resolve) => server.close(() => resolve()));
      },
    };
  }

  it("before the page's body has arrived", { timeout: 10_000 }, async () => {
    const server = await linkingServer('</v1/regions/eu/changes?since=1&epoch=e1&resetHead=3&limit=1>; rel="next"', [
      page({ reset: true, ops: [{ op: "clear" }, { op: "put", collection: "c", key: "a", version: 1, value: 1 }], cursor: 1, more: true }),
      page({ ops: [{ op: "put", collection: "c", key: "b", version: 2, value: 2 }], cursor: 2 }),
    ]);
    try {
      const feed = new VersoClient({ server: server.url }).follow("eu", { limit: 1, waitMs: 100 });
      // The server sends the first body only after the second request: without reading
      // ahead on the headers, this would never resolve.
      const first = await feed.next();
      assert.equal(first.value?.type === "changes" && first.value.page.cursor, 1);
      const second = await feed.next();
      assert.equal(second.value?.type === "changes" && second.value.page.cursor, 2);
      assert.deepEqual(
        [
          server.queries[1]?.get("since"),
          server.queries[1]?.get("epoch"),
          server.queries[1]?.get("resetHead"),
          server.queries[1]?.get("limit"),
        ],
        ["1", "e1", "3", "1"],
      );
      await feed.return(undefined);
    } finally {
      await server.close();
    }
  });

  it("and drops a read-ahead from any other position than the one the page leads to", async () => {
    // A Link that names since=7: not where the first page leads (since=1, resetHead=3).
    const server = await linkingServer('</v1/regions/eu/changes?since=7&epoch=e1>; rel="next"', [
      page({ reset: true, ops: [{ op: "clear" }], cursor: 1, more: true }),
      page({ ops: [], cursor: 7 }),
      page({ ops: [{ op: "put", collection: "c", key: "b", version: 2, value: 2 }], cursor: 2 }),
    ]);
    try {
      const feed = new VersoClient({ server: server.url }).follow("eu", { waitMs: 100 });
      await feed.next();
      const next = await feed.next();
      assert.equal(next.value?.type === "changes" && next.value.page.cursor, 2, "the page asked from the right position");
      assert.deepEqual([server.queries[2]?.get("since"), server.queries[2]?.get("resetHead")], ["1", "3"]);
      await feed.return(undefined);
    } finally {
      await server.close();
    }
  });
});
