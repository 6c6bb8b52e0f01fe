/**
 * The SDK endpoint: an HTTP/2 server (Restate talks to it with bidirectional
 * streams) serving verso's Restate services. Restate keeps its HTTP/2 sessions
 * open, so stopping destroys them instead of waiting for them to end.
 */
import http2 from "node:http2";
import type { AddressInfo } from "node:net";
import * as restate from "@restatedev/restate-sdk";
import type { FeedTable } from "./feed-table.js";
import { type RegionWriterOptions, regionWriter } from "./region-writer.js";
import { versioningService } from "./versioning-service.js";

export interface EndpointOptions {
  /** Names this endpoint in every answer, e.g. "rev-2@10.0.0.5:9080"; defaults to "verso@host:port". */
  servedBy?: string;
  /** With a feed the endpoint also serves RegionWriter. */
  feed?: FeedTable;
  beforeWrite?: RegionWriterOptions["beforeWrite"];
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  /** The SDK logs every invocation at info; "warn" by default. */
  logLevel?: "debug" | "info" | "warn" | "error";
}

export interface RunningEndpoint {
  /** The URI to register with Restate, e.g. http://127.0.0.1:9080 */
  url: string;
  servedBy: string;
  stop: () => Promise<void>;
}

const LEVELS = ["trace", "debug", "info", "warn", "error"];

export async function startEndpoint(options: EndpointOptions = {}): Promise<RunningEndpoint> {
  const host = options.host ?? "127.0.0.1";
  const sessions = new Set<http2.ServerHttp2Session>();
  let servedBy = options.servedBy ?? "";
  // The services are built after listening so the default label can carry the bound port.
  let handler: ((req: http2.Http2ServerRequest, res: http2.Http2ServerResponse) => void) | undefined;
  const server = http2.createServer((req, res) => handler?.(req, res));
  server.on("session", (session) => {
    sessions.add(session);
    session.once("close", () => sessions.delete(session));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 9080, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${host.includes(":") ? `[${host}]` : host}:${port}`;
  if (servedBy === "") servedBy = `verso@${host}:${port}`;
  const minLevel = LEVELS.indexOf(options.logLevel ?? "warn");
  const services = [
    versioningService(servedBy),
    ...(options.feed
      ? [regionWriter({ feed: options.feed, servedBy, ...(options.beforeWrite && { beforeWrite: options.beforeWrite }) })]
      : []),
  ];
  handler = restate.createEndpointHandler({
    services,
    logger: (meta, message, ...rest) => {
      if (LEVELS.indexOf(meta.level) >= minLevel)
        process.stderr.write(`restate-sdk ${meta.level}: ${[message, ...rest].map(String).join(" ")}\n`);
    },
  });
  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= new Promise<void>((resolve) => {
      server.close(() => resolve());
      for (const session of sessions) session.destroy();
    });
    return stopping;
  };
  return { url, servedBy, stop };
}
