import { createServer } from "node:net";

/**
 * A port nothing listens on right now: bound once by this process, then released, so a
 * server can be started (and restarted) on it, or a client pointed at a closed port.
 */
export async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const address = probe.address();
  await new Promise((resolve) => probe.close(resolve));
  if (typeof address !== "object" || address === null) throw new Error("no port");
  return address.port;
}
