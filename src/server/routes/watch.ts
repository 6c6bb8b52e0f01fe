import type { FastifyInstance } from "fastify";
import { SharedFeed } from "../../core/shared-feed.js";
import type { RouteContext } from "../app.js";
import { header, intParam, stringParam } from "../headers.js";
import { parseEventId } from "../sse.js";
import { WatchStream } from "../watch-stream.js";
import type { Query, RegionParams } from "./params.js";

/**
 * `GET /v1/regions/{r}/watch?since=V&epoch=E`: the change feed as Server-Sent Events.
 * `Last-Event-ID` (sent back by a reconnecting reader) wins over the query.
 */
export function watchRoutes(app: FastifyInstance, { store, log, heartbeatMs, watchBufferBytes }: RouteContext): void {
  const open = new Set<WatchStream>();
  const feed = new SharedFeed(store);
  app.addHook("onClose", async () => feed.close());

  // Streams never finish on their own; end them before the server waits for open requests.
  app.addHook("preClose", async () => {
    const streams = [...open];
    for (const stream of streams) stream.stop();
    await Promise.all(streams.map((s) => s.done));
  });

  // No automatic HEAD route: a stream without a body would only hold a connection open.
  app.get<{ Params: RegionParams; Querystring: Query }>("/v1/regions/:region/watch", { exposeHeadRoute: false }, async (request, reply) => {
    const lastEventId = header(request.headers, "last-event-id");
    const resumed = lastEventId !== undefined && lastEventId.trim() !== "" ? parseEventId(lastEventId) : undefined;
    const since = resumed ? resumed.cursor : intParam(request.query, "since");
    const epoch = resumed ? resumed.epoch : stringParam(request.query, "epoch");
    const region = request.params.region;
    // Read before committing to a stream, so bad input still gets its 4xx as JSON.
    const first = await feed.changes(region, since, epoch);

    reply.hijack();
    const response = reply.raw;
    for (const [name, value] of Object.entries(reply.getHeaders())) if (value !== undefined) response.setHeader(name, value);
    response.writeHead(200, {
      "content-type": "text/event-stream",
      "cache-control": "no-store",
      "x-accel-buffering": "no",
    });
    const stream = new WatchStream({ store, feed, region, response, heartbeatMs, bufferBytes: watchBufferBytes, log }, first, since, epoch);
    open.add(stream);
    void stream.done.then(() => open.delete(stream));
  });
}
