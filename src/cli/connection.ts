/** Where client commands connect: --server/$VERSO_SERVER, --token/$VERSO_TOKEN and --ca/$VERSO_CA, checked once for all commands. */
import { VersoClient } from "../client/http-client.js";
import { trustingFetch } from "./tls-files.js";
import { UsageError } from "./usage-error.js";

export const DEFAULT_SERVER = "http://127.0.0.1:7070";

export function serverUrl(flag: string | undefined): string {
  const server = flag ?? process.env.VERSO_SERVER ?? DEFAULT_SERVER;
  if (!URL.canParse(server) || !/^https?:$/.test(new URL(server).protocol)) {
    throw new UsageError(`--server must be an http(s) URL like ${DEFAULT_SERVER}, got ${JSON.stringify(server)}`);
  }
  return server;
}

export function clientFrom(values: { server?: string | undefined; token?: string | undefined; ca?: string | undefined }): {
  client: VersoClient;
  server: string;
} {
  const server = serverUrl(values.server);
  const token = values.token ?? process.env.VERSO_TOKEN;
  const fetch = trustingFetch(values.ca ?? process.env.VERSO_CA);
  return { client: new VersoClient({ server, ...(token && { token }), ...(fetch && { fetch }) }), server };
}
