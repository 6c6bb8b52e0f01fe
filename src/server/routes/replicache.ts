/**
 * Replicache's push and pull (version 1) per region, a region being a Replicache space,
 * and a poke stream that tells clients when to pull. See docs/replicache.md.
 */
import { Readable } from "node:stream";
import type { FastifyInstance } from "fastify";
import { checkName } from "../../core/commands.js";
import { replicachePull } from "../../core/replicache-pull.js";
import { replicachePushCommand } from "../../core/replicache-push.js";
import { sseEvent } from "../../model/sse.js";
import type { ReplicachePushResult } from "../../protocol/replicache.js";
import { abortOnClose } from "../abort-on-close.js";
import { openEventStream } from "../event-stream.js";
import type { RouteContext } from "../route-context.js";
import { PULL_REQUEST, PULL_RESPONSE, PUSH_REQUEST, PUSH_RESPONSE } from "../schema/replicache.js";
import { errors, json, params, REGION_PARAM, type RouteSchema, WRITE_ERRORS } from "../schema/route-schema.js";
import type { RegionParams } from "./params.js";

const PULL: RouteSchema = {
  summary: "Replicache pull (version 1): the patch from the client's cookie, a reset when it cannot be served",
  description: "A read: a read token may pull. Keys are collection/key. See docs/replicache.md.",
  tags: ["replicache"],
  params: params(REGION_PARAM),
  body: PULL_REQUEST,
  response: { 200: json("the patch, cookie and lastMutationIDChanges, or a Replicache refusal", PULL_RESPONSE), ...errors() },
};

const PUSH: RouteSchema = {
  summary: "Replicache push (version 1): each mutation applied once, at one new region version",
  description: "Each client's last mutation id is stored in the mutation's own transaction.",
  tags: ["replicache"],
  params: params(REGION_PARAM),
  body: PUSH_REQUEST,
  response: { 200: json("what became of each mutation, or a Replicache refusal", PUSH_RESPONSE), ...errors(...WRITE_ERRORS) },
};

const POKE: RouteSchema = {
  summary: "Replicache poke: an event stream with a poke event at once and whenever the region's head moves",
  tags: ["replicache"],
  params: params(REGION_PARAM),
  response: {
    200: { description: "an endless event stream", content: { "text/event-stream": { schema: { type: "string" } } } },
    ...errors(),
  },
};

export function replicacheRoutes(app: FastifyInstance, { internals, maxRequestBytes, log, heartbeatMs, stopping }: RouteContext): void {
  app.post<{ Params: RegionParams }>("/v1/regions/:region/replicache/pull", { schema: PULL }, async (request, reply) => {
    const answer = await replicachePull(internals.storage, request.params.region, request.body);
    if ("refusal" in answer) return answer.refusal;
    reply.type("application/json").header("cache-control", "no-store");
    if ("json" in answer) return answer.json;
    // A failure after the first page can only cut the response short: Replicache then
    // fails to parse it and pulls again.
    const stream = Readable.from(answer.chunks);
    stream.on("error", (error) => log(`replicache pull of region ${request.params.region} failed midway: ${error.message}`));
    return reply.send(stream);
  });

  app.post<{ Params: RegionParams }>(
    "/v1/regions/:region/replicache/push",
    { bodyLimit: maxRequestBytes, schema: PUSH },
    async (request) => {
      const decoded = replicachePushCommand(request.params.region, request.body);
      if ("refusal" in decoded) return decoded.refusal;
      const { response } = await internals.execute(decoded.command);
      const result = response as ReplicachePushResult;
      for (const m of result.mutations) {
        if (m.result === "rejected") {
          log(
            `replicache: region ${request.params.region}: mutation ${m.id} of client ${m.clientID} rejected (recorded as processed): ${m.reason}`,
          );
        }
      }
      if (result.error)
        log(`replicache: region ${request.params.region}: a client of group ${decoded.command.clientGroupID} has no state here`);
      return result;
    },
  );

  // Open streams end before the server waits for its open requests.
  const open = new Set<AbortController>();
  app.addHook("preClose", async () => {
    for (const stream of open) stream.abort();
  });

  // A `poke` event whenever the region's head moves (writes through any API), and one at
  // once so that a write between the client's last pull and this stream is not missed.
  app.get<{ Params: RegionParams }>(
    "/v1/regions/:region/replicache/poke",
    { exposeHeadRoute: false, schema: POKE },
    async (request, reply) => {
      const region = checkName("region", request.params.region);
      let seen = (await internals.storage.region(region)).version;
      const response = openEventStream(reply);
      const stream = new AbortController();
      open.add(stream);
      const signal = AbortSignal.any([abortOnClose(response), stopping, stream.signal]);
      try {
        response.write(sseEvent("poke", JSON.stringify({ version: seen })));
        while (!signal.aborted && !internals.notifier.isClosed) {
          const reached = await internals.waitForVersion(region, seen + 1, heartbeatMs, signal);
          if (signal.aborted) break;
          if (!reached) {
            response.write(": idle\n\n");
            continue;
          }
          seen = (await internals.storage.region(region)).version;
          response.write(sseEvent("poke", JSON.stringify({ version: seen })));
        }
      } catch (error) {
        log(`replicache poke stream of region ${region} failed: ${(error as Error).message}`);
      } finally {
        open.delete(stream);
        response.end();
      }
    },
  );
}
