import type { FastifyInstance } from "fastify";
import { SharedFeed } from "../../core/shared-feed.js";
import type { RawPage } from "../../model/raw-page.js";
import { parseEventId } from "../../model/sse.js";
import { RESUMABLE_RESET_PROTOCOL } from "../../protocol/version.js";
import { openEventStream } from "../event-stream.js";
import { header, intParam, requestProtocol, schemaSelection, stringParam } from "../headers.js";
import type { RouteContext } from "../route-context.js";
import { errors, FEED_QUERY, headers, params, query, REGION_PARAM, type RouteSchema, VERSO_SCHEMA } from "../schema/route-schema.js";
import { WatchFanOut } from "../watch-fanout.js";
import { WatchStream } from "../watch-stream.js";
import type { Query, RegionParams } from "./params.js";

const WATCH: RouteSchema = {
  summary: "The change feed as Server-Sent Events",
  description:
    "event: changes with a page as data and id epoch:cursor (epoch:cursor:resetHead while a protocol 2 reset spans pages); event: progress with {head} when idle. Last-Event-ID resumes and wins over the query.",
  tags: ["feed"],
  params: params(REGION_PARAM),
  querystring: query(FEED_QUERY),
  headers: headers({
    "Last-Event-ID": { type: "string", description: "the id of the last event received: resume after it" },
    ...VERSO_SCHEMA,
  }),
  response: {
    200: { description: "an endless event stream", content: { "text/event-stream": { schema: { type: "string" } } } },
    ...errors(409),
  },
};

/**
 * `GET /v1/regions/{r}/watch?since=V&epoch=E`: the change feed as Server-Sent Events.
 * `Last-Event-ID` (sent back by a reconnecting reader) wins over `since`, `epoch` and
 * `resetHead`; `resetHead`, `limit` and the protocol mean what they mean for `/changes`.
 */
export function watchRoutes(app: FastifyInstance, { internals, log, heartbeatMs, watchBufferBytes, metrics }: RouteContext): void {
  const open = new Set<WatchStream>();
  const feed = new SharedFeed(internals.feedSource);
  const fanOut = new WatchFanOut({
    notifier: internals.notifier,
    feed,
    waitMs: heartbeatMs,
    onPages: (pages, ops) => {
      metrics.feedPages.inc({ transport: "watch" }, pages);
      metrics.feedOps.inc({ transport: "watch" }, ops);
    },
  });
  app.addHook("onClose", async () => feed.close());

  // Streams never finish on their own; end them before the server waits for open requests.
  let closing = false;
  app.addHook("preClose", async () => {
    closing = true;
    await Promise.all([...open].map((stream) => stream.stop()));
  });

  // No automatic HEAD route: a stream without a body would only hold a connection open.
  app.get<{ Params: RegionParams; Querystring: Query }>(
    "/v1/regions/:region/watch",
    { exposeHeadRoute: false, schema: WATCH },
    async (request, reply) => {
      const lastEventId = header(request.headers, "last-event-id");
      const resumed = lastEventId !== undefined && lastEventId.trim() !== "" ? parseEventId(lastEventId) : undefined;
      const since = resumed ? resumed.cursor : intParam(request.query, "since");
      const epoch = resumed ? resumed.epoch : stringParam(request.query, "epoch");
      // As for /changes: the head of a reset whose pages the reader is still applying, and the page size.
      const resetHead = resumed ? resumed.resetHead : intParam(request.query, "resetHead");
      const limit = intParam(request.query, "limit");
      const shape = {
        ...(limit !== undefined && { limit }),
        resumableReset: requestProtocol(request.headers) >= RESUMABLE_RESET_PROTOCOL,
      };
      const start = {
        ...(since !== undefined && { since }),
        ...(epoch !== undefined && { epoch }),
        ...(resetHead !== undefined && { resetHead }),
      };
      const region = request.params.region;
      const schemas = schemaSelection(request.headers, request.query);
      const project = schemas === undefined ? undefined : (page: RawPage) => internals.projectPage(page, schemas);
      // Read before committing to a stream, so bad input still gets its 4xx as JSON.
      const shared = await feed.changes(region, start, shape);
      const first = project === undefined ? shared : await project(shared);

      const response = openEventStream(reply);
      // Out now, so that events can be written to the socket directly (encoded-event.ts).
      response.flushHeaders();
      const options = {
        notifier: internals.notifier,
        feed,
        fanOut,
        region,
        response,
        heartbeatMs,
        bufferBytes: watchBufferBytes,
        log,
        shape,
        project,
        onPage: (ops: number) => {
          metrics.feedPages.inc({ transport: "watch" });
          metrics.feedOps.inc({ transport: "watch" }, ops);
        },
      };
      const stream = new WatchStream(options);
      open.add(stream);
      metrics.watchers.inc();
      void stream.start(first, start).then((end) => {
        open.delete(stream);
        metrics.watchers.dec();
        if (end === "cut-off") metrics.watchersCutOff.inc();
      });
      // A request that arrives on an open connection while the server closes ends at once.
      if (closing) void stream.stop();
    },
  );
}
