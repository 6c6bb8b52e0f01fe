/**
 * Who may reach the server decides what it must have. Loopback: nothing, only this
 * machine can connect. Any other address: an admin token, since without one every caller
 * could read and write everything; and TLS, since bearer tokens would otherwise cross the
 * network in the clear, unless the operator says TLS ends in front of verso
 * (`--insecure-http`). Host names other than "localhost" count as non-loopback: what they
 * resolve to cannot be known for sure when binding.
 */
import { isLoopback } from "../model/loopback.js";

export { isLoopback };

export class UnauthenticatedBindError extends Error {
  constructor(host: string) {
    super(
      `refusing to serve on ${host} without an admin token: anyone who can reach it could read and write everything. ` +
        "Set VERSO_ADMIN_TOKEN (or --admin-token), or bind to 127.0.0.1",
    );
    this.name = "UnauthenticatedBindError";
  }
}

export class PlaintextBindError extends Error {
  constructor(host: string) {
    super(
      `refusing to serve plain HTTP on ${host}: bearer tokens would cross the network in the clear. ` +
        "Give --tls-cert and --tls-key, or --insecure-http if TLS ends in a proxy in front of verso",
    );
    this.name = "PlaintextBindError";
  }
}

export interface BindTransport {
  /** The server speaks TLS itself. */
  tls?: boolean;
  /** The operator terminates TLS in front of verso: plain HTTP on a non-loopback address is intended. */
  insecureHttp?: boolean;
}

export function checkBind(host: string, authenticated: boolean, transport: BindTransport = {}): void {
  if (isLoopback(host)) return;
  if (!authenticated) throw new UnauthenticatedBindError(host);
  if (!transport.tls && !transport.insecureHttp) throw new PlaintextBindError(host);
}
