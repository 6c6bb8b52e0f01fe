/**
 * Without an admin token nothing is authenticated, so the server may only be reached
 * from this machine. Host names other than "localhost" are refused too: what they
 * resolve to cannot be known for sure when binding.
 */
import { isIPv4, isIPv6 } from "node:net";

export function isLoopback(host: string): boolean {
  const h = host
    .trim()
    .toLowerCase()
    .replace(/^\[(.*)\]$/, "$1");
  if (h === "localhost") return true;
  if (isIPv4(h)) return h.startsWith("127.");
  if (isIPv6(h)) return h === "::1" || /^::ffff:127\.\d+\.\d+\.\d+$/.test(h);
  return false;
}

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
