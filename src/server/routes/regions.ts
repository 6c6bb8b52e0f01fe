import type { FastifyInstance } from "fastify";
import { compactCommand, nextVersionCommand } from "../../core/commands.js";
import { canRead } from "../access.js";
import { header } from "../headers.js";
import type { RouteContext } from "../route-context.js";
import type { RegionParams } from "./params.js";
import { sendWrite } from "./send-write.js";

export function regionRoutes(app: FastifyInstance, { store, internals, auth }: RouteContext): void {
  app.get("/v1/regions", async (request) => {
    const principal = auth.principalOf(request);
    return { regions: (await store.regions()).filter((r) => canRead(principal, r.region)) };
  });

  app.get<{ Params: RegionParams }>("/v1/regions/:region", async (request) => store.getVersion(request.params.region));

  app.post<{ Params: RegionParams }>("/v1/regions/:region/next-version", async (request, reply) => {
    const command = nextVersionCommand(request.params.region, header(request.headers, "idempotency-key"));
    return sendWrite(reply, await internals.execute(auth.scoped(request, command)));
  });

  app.post<{ Params: RegionParams }>("/v1/regions/:region/compact", async (request, reply) => {
    const command = compactCommand(request.params.region, request.body, header(request.headers, "idempotency-key"));
    return sendWrite(reply, await internals.execute(auth.scoped(request, command)));
  });
}
