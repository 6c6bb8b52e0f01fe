import type { FastifyInstance } from "fastify";
import { txnCommand } from "../../core/commands.js";
import { header } from "../headers.js";
import type { RouteContext } from "../route-context.js";
import {
  errors,
  headers,
  IDEMPOTENCY_KEY,
  json,
  params,
  REGION_PARAM,
  REPLAYED,
  type RouteSchema,
  WRITE_ERRORS,
} from "../schema/route-schema.js";
import { TXN_REQUEST, VERSION_RESULT } from "../schema/wire.js";
import type { RegionParams } from "./params.js";
import { sendWrite } from "./send-write.js";

const TRANSACTION: RouteSchema = {
  summary: "Apply puts and deletes at one new version, all or nothing",
  description:
    "ifVersion N is an op's condition (0: must be absent). Failed conditions: 412 version_mismatch with failures (404 not_found when every failure is a missing row); nothing is applied.",
  tags: ["rows"],
  params: params(REGION_PARAM),
  headers: headers(IDEMPOTENCY_KEY),
  body: TXN_REQUEST,
  response: { 200: json("the version of the transaction", VERSION_RESULT, REPLAYED), ...errors(...WRITE_ERRORS, 409) },
};

export function transactionRoutes(app: FastifyInstance, { internals, maxRequestBytes, auth }: RouteContext): void {
  app.post<{ Params: RegionParams }>(
    "/v1/regions/:region/transactions",
    { bodyLimit: maxRequestBytes, schema: TRANSACTION },
    async (request, reply) => {
      const command = txnCommand(request.params.region, request.body, header(request.headers, "idempotency-key"));
      return sendWrite(reply, await internals.execute(auth.scoped(request, command)));
    },
  );
}
