/**
 * Whether a host to bind names this machine only. Host names other than "localhost" are
 * not: what they resolve to cannot be known for sure when binding. Shared by the server
 * and the agent's listener, which both refuse other hosts without a token.
 */
const IPV4_LOOPBACK = /^127\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

export function isLoopback(host: string): boolean {
  const h = host
    .trim()
    .toLowerCase()
    .replace(/^\[(.*)\]$/, "$1");
  if (h === "localhost" || h === "::1") return true;
  const v4 = IPV4_LOOPBACK.exec(h.startsWith("::ffff:") ? h.slice("::ffff:".length) : h);
  return v4?.slice(1).every((part) => Number(part) <= 255) ?? false;
}
