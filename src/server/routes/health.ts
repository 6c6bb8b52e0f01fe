import type { FastifyInstance } from "fastify";
import { PROTOCOL_MAX, PROTOCOL_MIN } from "../../protocol/version.js";
import type { RouteContext } from "../app.js";

export function healthRoutes(app: FastifyInstance, { store }: RouteContext): void {
  app.get("/healthz", async () => ({ ok: true, storage: store.storage.backend, protocol: { min: PROTOCOL_MIN, max: PROTOCOL_MAX } }));
}
