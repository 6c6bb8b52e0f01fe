/** The data every suite writes: one region, a bounded key space, a small desired-state value. */

export const REGION = "bench-1";
export const COLLECTION = "deployments";
export const KEY_SPACE = 1000;

/** About 120 bytes of JSON, the size of a small deployment spec. */
export const VALUE = { image: "registry.example/app:1.4.2", replicas: 3, env: { LOG_LEVEL: "info", REGION: "eu-west-1" }, paused: false };

export function keyFor(i: number): string {
  return `d${i % KEY_SPACE}`;
}

let idempotencyRun = 0;

/** A source of idempotency keys never used before, so each write is a first attempt. */
export function idempotencyKeys(): () => string {
  const run = `${Date.now().toString(36)}-${idempotencyRun++}`;
  let n = 0;
  return () => `bench-${run}-${n++}`;
}
