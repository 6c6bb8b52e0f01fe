/** Seed 000's counter contract, run over every VersionCounter implementation. */
import assert from "node:assert/strict";
import type { VersionCounter } from "../../src/core/version-counter.js";

/** `prefix` keeps regions and keys apart between runs against one server. */
export async function checkCounterContract(counter: VersionCounter, prefix: string): Promise<void> {
  const region = (name: string) => `${prefix}-${name}`;

  // A fresh region reports 0; the first version is 1 and then strictly increasing.
  assert.equal(await counter.current(region("a")), 0);
  const a = [];
  for (let i = 0; i < 5; i++) a.push(await counter.next(region("a")));
  assert.deepEqual(a, [1, 2, 3, 4, 5]);
  assert.equal(await counter.current(region("a")), 5);

  // Regions are independent: interleaved calls count separately.
  const interleaved = await Promise.all(["b", "c", "b", "c"].map(async (r, i) => [r, i, await counter.next(region(r))] as const));
  assert.deepEqual(interleaved.map(([, , v]) => v).sort(), [1, 1, 2, 2]);
  assert.equal(await counter.current(region("a")), 5);
  assert.equal(await counter.current(region("b")), 2);

  // Concurrent calls on one region each get a distinct version, with no gap.
  const burst = await Promise.all(Array.from({ length: 20 }, () => counter.next(region("d"))));
  assert.deepEqual(
    [...burst].sort((x, y) => x - y),
    Array.from({ length: 20 }, (_, i) => i + 1),
  );
  assert.equal(await counter.current(region("d")), 20);
}

export async function checkIdempotency(counter: VersionCounter, prefix: string): Promise<void> {
  const region = `${prefix}-idem`;
  const first = await counter.next(region, `${prefix}-k1`);
  assert.equal(first, 1);
  // A retry with the same key returns the first answer and consumes nothing.
  assert.equal(await counter.next(region, `${prefix}-k1`), 1);
  assert.equal(await counter.current(region), 1);
  assert.equal(await counter.next(region, `${prefix}-k2`), 2);

  // Concurrent retries of one key: one version between them, the counter moves once.
  const same = await Promise.all(Array.from({ length: 8 }, () => counter.next(region, `${prefix}-k3`)));
  assert.deepEqual(same, Array(8).fill(3));
  assert.equal(await counter.current(region), 3);

  // Concurrent distinct keys, each sent twice: every key keeps one version.
  const keys = Array.from({ length: 6 }, (_, i) => `${prefix}-m${i}`);
  const answers = await Promise.all([...keys, ...keys].map((key) => counter.next(region, key).then((v) => [key, v] as const)));
  const byKey = new Map<string, Set<number>>();
  for (const [key, v] of answers) byKey.set(key, (byKey.get(key) ?? new Set()).add(v));
  for (const [key, versions] of byKey) assert.equal(versions.size, 1, `${key} got ${[...versions]}`);
  assert.deepEqual(
    [...new Set(answers.map(([, v]) => v))].sort((x, y) => x - y),
    [4, 5, 6, 7, 8, 9],
  );
  assert.equal(await counter.current(region), 9);
}
