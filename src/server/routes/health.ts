import type { FastifyInstance } from "fastify";
import { PROTOCOL_MAX, PROTOCOL_MIN } from "../../protocol/version.js";
import type { RouteContext } from "../route-context.js";

/**
 * `GET /healthz`: 200 while storage is fine. A storage failure met since start turns it
 * into the contract's error body with the usual fields beside it: 507
 * `insufficient_storage` while the database is full, 503 `internal` once damage or an
 * I/O error was seen (until restart).
 */
export function healthRoutes(app: FastifyInstance, { internals, storageHealth }: RouteContext): void {
  app.get("/healthz", async (_request, reply) => {
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
