import type { FastifyReply } from "fastify";
import type { Executed } from "../../core/store-internals.js";
import { IDEMPOTENCY_REPLAYED_HEADER } from "../error-mapping.js";
import { etag } from "../headers.js";

/** Answers a write; a replayed Idempotency-Key is flagged so callers can tell. */
export function sendWrite(reply: FastifyReply, executed: Executed, withEtag = false): unknown {
  if (executed.replayed) reply.header(IDEMPOTENCY_REPLAYED_HEADER, "true");
  if (withEtag && "version" in executed.response) reply.header("etag", etag(executed.response.version));
  return executed.response;
}
