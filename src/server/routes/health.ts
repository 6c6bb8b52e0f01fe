import type { FastifyInstance } from "fastify";
import { PROTOCOL_MAX, PROTOCOL_MIN } from "../../protocol/version.js";
import type { RouteContext } from "../route-context.js";

export function healthRoutes(app: FastifyInstance, { internals }: RouteContext): void {
  app.get("/healthz", async () => ({ ok: true, storage: internals.backend, protocol: { min: PROTOCOL_MIN, max: PROTOCOL_MAX } }));
}
