/**
 * TLS files named on the command line: the server's certificate and key, and the
 * private CA a client trusts. Node's fetch cannot be given a CA per call, so a client
 * that trusts one fetches through undici (Node's own HTTP client, as a package) with an
 * agent that carries it; undici is loaded only then.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import type { TlsMaterial } from "../server/tls.js";
import { UsageError } from "./usage-error.js";

function readPem(file: string, flag: string): Buffer {
  try {
    return readFileSync(file);
  } catch (error) {
    throw new UsageError(`${flag} ${file}: ${(error as Error).message}`);
  }
}

/** The server's certificate chain and key; both or neither must be given. */
export function readTlsFiles(certFile: string | undefined, keyFile: string | undefined): TlsMaterial | undefined {
  if (certFile === undefined && keyFile === undefined) return undefined;
  if (certFile === undefined || keyFile === undefined) throw new UsageError("--tls-cert and --tls-key go together");
  return { cert: readPem(certFile, "--tls-cert"), key: readPem(keyFile, "--tls-key") };
}

/** A fetch that trusts the CA in `caFile` besides the system's roots; undefined without one. */
export function trustingFetch(caFile: string | undefined): typeof fetch | undefined {
  if (caFile === undefined || caFile === "") return undefined;
  const ca = readPem(caFile, "--ca");
  const undici = createRequire(import.meta.url)("undici") as typeof import("undici");
  const dispatcher = new undici.Agent({ connect: { ca } });
  const fetchWithCa = (input: Parameters<typeof fetch>[0], init?: RequestInit) =>
    undici.fetch(input as Parameters<typeof undici.fetch>[0], { ...(init as Parameters<typeof undici.fetch>[1]), dispatcher });
  return fetchWithCa as unknown as typeof fetch;
}
