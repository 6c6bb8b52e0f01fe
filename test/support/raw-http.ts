/**
 * One HTTP exchange over a bare socket, for requests no HTTP client would send (bad
 * bytes, broken framing, impossible versions): writes the bytes as given and reads back
 * whatever single response comes, without interpreting more than status, headers and body.
 */
import { connect } from "node:net";

export interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** Whether the server closed the connection after answering. */
  closed: boolean;
}

/**
 * Sends `bytes` to host:port; resolves with the first response, or undefined when the
 * server closed the connection without one. A response is complete at Content-Length
 * (none for HEAD) or, for an event stream, as soon as its headers are in.
 */
export function rawExchange(
  port: number,
  bytes: Buffer | string,
  options: { head?: boolean; timeoutMs?: number } = {},
): Promise<RawAnswer | undefined> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1");
    let received = Buffer.alloc(0);
    let done = false;
    const finish = (answer: RawAnswer | undefined, error?: Error) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      if (error) reject(error);
      else resolve(answer);
    };
    const timer = setTimeout(
      () =>
        finish(
          undefined,
          new Error(`no complete answer within ${options.timeoutMs ?? 5_000} ms to ${JSON.stringify(String(bytes).slice(0, 120))}`),
        ),
      options.timeoutMs ?? 5_000,
    );
    const parse = (closed: boolean): RawAnswer | undefined => {
      const end = received.indexOf("\r\n\r\n");
      if (end < 0) return undefined;
      const [statusLine = "", ...lines] = received.subarray(0, end).toString("latin1").split("\r\n");
      const headers: Record<string, string> = {};
      for (const line of lines) {
        const colon = line.indexOf(":");
        headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
      }
      const status = Number(statusLine.split(" ")[1]);
      if (status >= 100 && status < 200) {
        received = received.subarray(end + 4);
        return parse(closed);
      }
      const body = received.subarray(end + 4);
      if (headers["content-type"]?.startsWith("text/event-stream")) return { status, headers, body: "", closed };
      if (headers["transfer-encoding"] === "chunked" && !options.head) {
        const decoded = dechunk(body);
        return decoded === undefined ? undefined : { status, headers, body: decoded, closed };
      }
      const length = options.head ? 0 : headers["content-length"] === undefined ? undefined : Number(headers["content-length"]);
      if (length === undefined ? !closed : body.length < length) return undefined;
      return { status, headers, body: body.subarray(0, length ?? body.length).toString("utf8"), closed };
    };
    socket.on("data", (chunk) => {
      received = Buffer.concat([received, chunk]);
      const answer = parse(false);
      if (answer) finish(answer);
    });
    socket.on("error", (error: NodeJS.ErrnoException) => {
      // A server that answers and closes may reset a connection still being written to.
      if (error.code === "ECONNRESET" || error.code === "EPIPE") finish(parse(true));
      else finish(undefined, error);
    });
    socket.on("close", () => finish(parse(true)));
    socket.write(bytes);
  });
}

/** The body of a chunked message, or undefined while its last chunk has not arrived. */
function dechunk(data: Buffer): string | undefined {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const lineEnd = data.indexOf("\r\n", at);
    if (lineEnd < 0) return undefined;
    const size = Number.parseInt(data.subarray(at, lineEnd).toString("latin1"), 16);
    if (size === 0) return Buffer.concat(parts).toString("utf8");
    if (data.length < lineEnd + 2 + size + 2) return undefined;
    parts.push(data.subarray(lineEnd + 2, lineEnd + 2 + size));
    at = lineEnd + 2 + size + 2;
  }
}

/** The contract's error body and protocol header on an answer read off a socket; returns the error code. */
export function contractError(answer: RawAnswer | undefined, what: string): { status: number; code: string; message: string } {
  if (!answer) throw new Error(`${what}: no answer before the connection closed`);
  const problem = (reason: string) =>
    new Error(`${what}: ${reason}; got ${answer.status} ${JSON.stringify(answer.headers)} ${answer.body.slice(0, 300)}`);
  if (!/^\d$/.test(answer.headers["verso-protocol"] ?? "")) throw problem("no verso-protocol header");
  if (!answer.headers["content-type"]?.startsWith("application/json")) throw problem("not JSON");
  let body: unknown;
  try {
    body = JSON.parse(answer.body);
  } catch {
    throw problem("body is not JSON");
  }
  const error = (body as { error?: { code?: unknown; message?: unknown } } | null)?.error;
  if (typeof error?.code !== "string" || typeof error.message !== "string" || error.message === "") throw problem("no contract error body");
  return { status: answer.status, code: error.code, message: error.message };
}
