import type { FastifyInstance } from "fastify";
import { canRead } from "../access.js";
import { onlyRegions } from "../metrics.js";
import type { RouteContext } from "../route-context.js";
import { errors, type RouteSchema } from "../schema/route-schema.js";

const METRICS: RouteSchema = {
  summary: "Prometheus metrics; a scoped token sees the series of its regions only",
  tags: ["server"],
  response: {
    200: { description: "Prometheus text format", content: { "text/plain": { schema: { type: "string" } } } },
    ...errors(),
  },
};

/**
 * `GET /metrics`: Prometheus text format. Any valid token may scrape (access.ts); a
 * scoped token sees the series of its own regions only, the admin token every series.
 */
export function metricsRoutes(app: FastifyInstance, { metrics, auth }: RouteContext): void {
  app.get("/metrics", { schema: METRICS }, async (request, reply) => {
    const principal = auth.principalOf(request);
    const text = await metrics.text();
    reply.type(metrics.contentType).header("cache-control", "no-store");
    return principal.kind === "admin" ? text : onlyRegions(text, (region) => canRead(principal, region));
  });
}
