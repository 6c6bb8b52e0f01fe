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
