/**
 * Answers to what never becomes a routed request: bytes Node's HTTP parser refuses
 * (a bad method, path, header or framing, headers over the size limit, a timeout),
 * CONNECT, and an Expect other than 100-continue. Left to Node and Fastify these get
 * bodies of their own or none; here they get the contract's error body and the protocol
 * header like every other refusal. Where there is no reply object, the response is
 * written to the socket by hand, and the connection is closed after it.
 */
import { type IncomingMessage, maxHeaderSize, type Server, type ServerResponse, STATUS_CODES } from "node:http";
import type { Duplex } from "node:stream";
import { BadRequestError } from "../protocol/errors.js";
import { PROTOCOL_HEADER, PROTOCOL_MAX } from "../protocol/version.js";
import { errorResponse } from "./error-mapping.js";

type ClientError = Error & { code?: string; reason?: string };

/** What the parser found wrong, for the message: llhttp's reason says which rule broke. */
function refusalFor(error: ClientError): BadRequestError {
  if (error.code === "HPE_HEADER_OVERFLOW") return new BadRequestError(`request headers are larger than ${maxHeaderSize} bytes`);
  if (error.code === "ERR_HTTP_REQUEST_TIMEOUT") return new BadRequestError("the request did not arrive in time");
  return new BadRequestError(`malformed HTTP request: ${error.reason ?? error.message}`);
}

function responseBytes(error: BadRequestError, log: (line: string) => void): string {
  const { status, body } = errorResponse(error, log);
  const json = JSON.stringify(body);
  return (
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ""}\r\n` +
    "content-type: application/json; charset=utf-8\r\n" +
    `content-length: ${Buffer.byteLength(json)}\r\n` +
    `${PROTOCOL_HEADER}: ${PROTOCOL_MAX}\r\n` +
    "connection: close\r\n\r\n" +
    json
  );
}

/** Answers once on a raw socket, then closes it. */
function refuseOnSocket(socket: Duplex, error: BadRequestError, log: (line: string) => void): void {
  // A response of an earlier request on this connection may be under way: a second
  // status line in its middle would corrupt it, so the connection is only cut.
  const busy = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } })._httpMessage?.headersSent === true;
  if (!socket.writable || busy) {
    socket.destroy();
    return;
  }
  socket.end(responseBytes(error, log), () => socket.destroy());
}

/** For Fastify's `clientErrorHandler` option (Node's `clientError` event). */
export function clientErrorHandler(log: (line: string) => void): (error: ClientError, socket: Duplex) => void {
  return (error, socket) => {
    if (error.code === "ECONNRESET" || socket.destroyed) return;
    refuseOnSocket(socket, refusalFor(error), log);
  };
}

/** CONNECT and unmet expectations, which Node handles outside the request handler. */
export function installRawRefusals(server: Server, log: (line: string) => void): void {
  server.on("connect", (request: IncomingMessage, socket: Duplex) => {
    refuseOnSocket(socket, new BadRequestError(`CONNECT ${request.url ?? ""} is not supported: verso is not a proxy`), log);
  });
  server.on("checkExpectation", (request: IncomingMessage, response: ServerResponse) => {
    const expect = JSON.stringify(request.headers.expect ?? "");
    const { status, body } = errorResponse(new BadRequestError(`Expect ${expect} is not supported (only 100-continue is)`), log);
    response.writeHead(status, {
      "content-type": "application/json; charset=utf-8",
      [PROTOCOL_HEADER]: String(PROTOCOL_MAX),
      connection: "close",
    });
    response.end(JSON.stringify(body));
  });
}

/**
 * HTTP/1.1 requires Host. Node would refuse a request without it with an empty 400 of its
 * own, so that check is turned off (`requireHostHeader: false`) and made here instead.
 */
export function missingHost(request: { httpVersion?: string; headers: Record<string, unknown> }): BadRequestError | undefined {
  return request.httpVersion === "1.1" && request.headers.host === undefined
    ? new BadRequestError("an HTTP/1.1 request needs a Host header")
    : undefined;
}
