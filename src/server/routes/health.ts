import type { FastifyInstance } from "fastify";
import { PROTOCOL_MAX, PROTOCOL_MIN } from "../../protocol/version.js";
import type { RouteContext } from "../route-context.js";
import { json, openErrors, type RouteSchema } from "../schema/route-schema.js";
import { HEALTH, HEALTH_PROBLEM } from "../schema/wire.js";

const HEALTH_SCHEMA: RouteSchema = {
  summary: "Whether storage is fine; open without a token",
  tags: ["server"],
  open: true,
  response: {
    ...openErrors(),
    200: json("storage is fine", HEALTH),
    503: json("a request met damage or an I/O error of the storage (until restart)", HEALTH_PROBLEM),
    507: json("the database is full", HEALTH_PROBLEM),
  },
};

/**
 * `GET /healthz`: 200 while storage is fine. A storage failure met since start turns it
 * into the contract's error body with the usual fields beside it: 507
 * `insufficient_storage` while the database is full, 503 `internal` once damage or an
 * I/O error was seen (until restart).
 */
export function healthRoutes(app: FastifyInstance, { internals, storageHealth }: RouteContext): void {
  app.get("/healthz", { schema: HEALTH_SCHEMA }, async (_request, reply) => {
    const fields = { storage: internals.backend, protocol: { min: PROTOCOL_MIN, max: PROTOCOL_MAX } };
    const problem = storageHealth.problem();
    if (!problem) return { ok: true, ...fields };
    const since = new Date(problem.since).toISOString();
    const seen = `${problem.count} time(s) since ${since}`;
    const error =
      problem.kind === "full"
        ? { code: "insufficient_storage", message: `the database is out of space: writes fail until space is freed (${seen})` }
        : { code: "internal", message: `storage failed: ${problem.message} (${problem.code}, ${seen}); check the database and restart` };
    reply.status(problem.kind === "full" ? 507 : 503);
    return { error, ok: false, ...fields };
  });
}
