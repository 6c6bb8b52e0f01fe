import type { ServerResponse } from "node:http";
import type { FastifyReply } from "fastify";
import { EVENT_STREAM_HEADERS } from "../model/sse.js";

/**
 * Takes the response from Fastify for an endless event stream, keeping the headers the
 * hooks set (the protocol header among them), and sends the stream's own.
 */
export function openEventStream(reply: FastifyReply): ServerResponse {
  reply.hijack();
  const response = reply.raw;
  for (const [name, value] of Object.entries(reply.getHeaders())) if (value !== undefined) response.setHeader(name, value);
  response.writeHead(200, EVENT_STREAM_HEADERS);
  return response;
}
