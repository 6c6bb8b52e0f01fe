import type { FastifyInstance } from "fastify";
import { txnCommand } from "../../core/commands.js";
import { header } from "../headers.js";
import type { RouteContext } from "../route-context.js";
import type { RegionParams } from "./params.js";
import { sendWrite } from "./send-write.js";

export function transactionRoutes(app: FastifyInstance, { internals, maxRequestBytes, auth }: RouteContext): void {
  app.post<{ Params: RegionParams }>("/v1/regions/:region/transactions", { bodyLimit: maxRequestBytes }, async (request, reply) => {
    const command = txnCommand(request.params.region, request.body, header(request.headers, "idempotency-key"));
    return sendWrite(reply, await internals.execute(auth.scoped(request, command)));
  });
}
