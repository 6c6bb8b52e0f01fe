/**
 * Region, collection and key names as the contract allows them. Keys may also hold
 * `/` (sent URL-encoded as `%2F`). "." and ".." are refused because URL path
 * normalisation in clients and proxies would silently turn them into other paths.
 */
const NAME = /^[A-Za-z0-9._:-]{1,256}$/;
const KEY = /^[A-Za-z0-9._:/-]{1,256}$/;

export type NameKind = "region" | "collection" | "key";

/** Returns a human-readable reason the name is invalid, or null when it is valid. */
export function nameProblem(kind: NameKind, name: string): string | null {
  const pattern = kind === "key" ? KEY : NAME;
  if (!pattern.test(name)) {
    const allowed = kind === "key" ? "[A-Za-z0-9._:-] and /" : "[A-Za-z0-9._:-]";
    return `${kind} name must be 1-256 characters of ${allowed}, got ${JSON.stringify(name.slice(0, 300))}`;
  }
  if (name === "." || name === "..") return `${kind} name may not be "." or ".."`;
  return null;
}

/** Idempotency keys: 1-256 visible ASCII characters. */
const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,256}$/;

export function idempotencyKeyProblem(key: string): string | null {
  return IDEMPOTENCY_KEY.test(key) ? null : "Idempotency-Key must be 1-256 visible ASCII characters";
}
