/**
 * The HTTP side of the agent's read listener: node:http (the agent never loads the
 * server's framework) on a TCP port or a Unix socket, answering reads (read-routes.ts).
 * With a token, every request but `/healthz` needs `Authorization: Bearer <token>`.
 * Errors carry the contract's body. It runs in the listener's worker thread.
 */
import { timingSafeEqual } from "node:crypto";
import { lstatSync, unlinkSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { answeredProtocol, checkProtocol, header } from "../model/http-params.js";
import { BadRequestError, InternalError, UnauthorizedError, VersoError } from "../protocol/errors.js";
import { PROTOCOL_HEADER } from "../protocol/version.js";
import { describeAddress, type ListenAddress } from "./listen-address.js";
import { answerRead, type BodyAnswer, type ReadAnswer, type ReplicaReads } from "./read-routes.js";
import { ReplicaWatch } from "./read-watch.js";

export interface ReadServerOptions {
  reads: ReplicaReads;
  address: ListenAddress;
  /** Bearer token readers must send; required to listen beyond loopback. */
  token?: string;
  /** The server, named in the answer to a write. */
  server: string;
  /** Idle time after which a watch sends a `progress` event. Default 15 s, as the server's. */
  heartbeatMs?: number;
  /** Unsent bytes past which a watch's consumer is cut off. Default 1 MiB, as the server's. */
  watchBufferBytes?: number;
  log?: (line: string) => void;
}

export const DEFAULT_LISTEN_HEARTBEAT_MS = 15_000;
const DEFAULT_WATCH_BUFFER_BYTES = 1024 * 1024;

export interface ReadServer {
  /** `host:port` (the port actually bound) or `unix:/path`. */
  address: string;
  /** Stops listening, ends waiting reads and closes connections. */
  stop(): Promise<void>;
}

const BEARER = /^Bearer[ \t]+(\S+)[ \t]*$/i;

export async function serveReads(options: ReadServerOptions): Promise<ReadServer> {
  const { address, token, reads } = options;
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const stopping = new AbortController();
  const server = createServer((request, response) => {
    void serve(request, response).catch((error) => log(`verso agent: listener: ${(error as Error).message}`));
  });
  server.keepAliveTimeout = 5_000;

  async function serve(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const closed = new AbortController();
    response.once("close", () => closed.abort());
    const protocol = String(answeredProtocol(request.headers));
    let answer: ReadAnswer;
    try {
      checkProtocol(request.headers);
      const url = new URL(request.url ?? "/", "http://agent");
      if (token !== undefined && url.pathname !== "/healthz") authenticate(request, token);
      answer = await answerRead(reads, options.server, {
        method: request.method ?? "GET",
        segments: segmentsOf(url.pathname),
        query: queryOf(url.searchParams),
        headers: request.headers,
        signal: AbortSignal.any([closed.signal, stopping.signal]),
      });
    } catch (error) {
      const verso = error instanceof VersoError ? error : internal(error, log);
      const refusal: BodyAnswer = {
        status: verso.status,
        body: JSON.stringify(verso.toBody()),
        headers: { "content-type": "application/json; charset=utf-8" },
      };
      if (verso instanceof UnauthorizedError) refusal.headers["www-authenticate"] = 'Bearer realm="verso"';
      if (verso.code === "method_not_allowed") refusal.headers.allow = "GET, HEAD";
      answer = refusal;
    }
    if (response.destroyed) return;
    if ("watch" in answer) {
      response.writeHead(answer.status, { ...answer.headers, [PROTOCOL_HEADER]: protocol });
      const { first, start, shape } = answer.watch;
      const stream = new ReplicaWatch({
        reads,
        response,
        shape,
        heartbeatMs: options.heartbeatMs ?? DEFAULT_LISTEN_HEARTBEAT_MS,
        bufferBytes: options.watchBufferBytes ?? DEFAULT_WATCH_BUFFER_BYTES,
        stopping: stopping.signal,
      });
      await stream.run(first, start);
      return;
    }
    response.writeHead(answer.status, {
      ...answer.headers,
      [PROTOCOL_HEADER]: protocol,
      "content-length": String(Buffer.byteLength(answer.body)),
    });
    response.end(request.method === "HEAD" ? undefined : answer.body);
  }

  if (address.kind === "unix") removeStaleSocket(address.path);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    const listening = () => {
      server.off("error", reject);
      resolve();
    };
    if (address.kind === "unix") server.listen(address.path, listening);
    else server.listen(address.port, address.host, listening);
  });
  return { address: boundAddress(server, address), stop: () => stop(server, stopping) };
}

function authenticate(request: IncomingMessage, token: string): void {
  const match = BEARER.exec(header(request.headers, "authorization") ?? "");
  const sent = Buffer.from(match?.[1] ?? "");
  const expected = Buffer.from(token);
  if (!match || sent.length !== expected.length || !timingSafeEqual(sent, expected)) {
    throw new UnauthorizedError(match ? "wrong token" : "this agent's listener needs Authorization: Bearer <token>");
  }
}

function segmentsOf(pathname: string): string[] {
  try {
    return pathname
      .split("/")
      .filter((segment) => segment !== "")
      .map(decodeURIComponent);
  } catch {
    throw new BadRequestError(`the path is not valid percent-encoding: ${JSON.stringify(pathname.slice(0, 300))}`);
  }
}

function queryOf(params: URLSearchParams): Record<string, string | string[]> {
  const query: Record<string, string | string[]> = {};
  for (const name of new Set(params.keys())) {
    const values = params.getAll(name);
    query[name] = values.length === 1 ? (values[0] ?? "") : values;
  }
  return query;
}

function internal(error: unknown, log: (line: string) => void): VersoError {
  log(`verso agent: listener: internal error: ${(error as Error)?.stack ?? String(error)}`);
  return new InternalError();
}

/** A socket file at the path (one a killed agent left) is replaced, or listen would fail; any other file there is left alone. */
function removeStaleSocket(path: string): void {
  try {
    if (lstatSync(path).isSocket()) unlinkSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
}

function boundAddress(server: Server, address: ListenAddress): string {
  const bound = server.address();
  if (address.kind === "tcp" && bound && typeof bound === "object") return describeAddress({ ...address, port: bound.port });
  return describeAddress(address);
}

async function stop(server: Server, stopping: AbortController): Promise<void> {
  stopping.abort();
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  server.closeAllConnections();
  await closed;
}
