/** Where the agent's listener listens: `HOST:PORT` (`[::1]:PORT` for IPv6) or `unix:/path`. */

export type ListenAddress = { kind: "tcp"; host: string; port: number } | { kind: "unix"; path: string };

export function parseListenAddress(text: string): ListenAddress {
  if (text.startsWith("unix:")) {
    const path = text.slice("unix:".length);
    if (path === "") throw new RangeError("--listen unix: needs a socket path, like unix:/run/verso/agent.sock");
    return { kind: "unix", path };
  }
  const match = /^(\[[^\]]+\]|[^:]+):(\d{1,5})$/.exec(text.trim());
  const port = Number(match?.[2]);
  if (!match?.[1] || !Number.isInteger(port) || port > 65535) {
    throw new RangeError(`--listen must be HOST:PORT or unix:/path, got ${JSON.stringify(text)}`);
  }
  return { kind: "tcp", host: match[1].replace(/^\[(.*)\]$/, "$1"), port };
}

export function describeAddress(address: ListenAddress): string {
  return address.kind === "unix"
    ? `unix:${address.path}`
    : `${address.host.includes(":") ? `[${address.host}]` : address.host}:${address.port}`;
}
