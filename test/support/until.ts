/**
 * Waits for a condition that no event announces (a server-side waiter registering, a
 * counter reaching a value), polling briefly, with a deadline so a test fails instead of
 * hanging.
 */
export async function until(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
