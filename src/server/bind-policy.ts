/**
 * Without an admin token nothing is authenticated, so the server may only be reached
 * from this machine (see model/loopback.ts).
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

export function checkBind(host: string, authenticated: boolean): void {
  if (!authenticated && !isLoopback(host)) throw new UnauthenticatedBindError(host);
}
