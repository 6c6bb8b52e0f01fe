/**
 * Duration flags (`--heartbeat`, `--status-interval`, the retentions, `--token-cache`)
 * need a unit: a bare `15` read as milliseconds turned a heartbeat into 61 a second.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { parseDuration } from "../../src/cli/durations.js";
import { UsageError } from "../../src/cli/usage-error.js";
import { runCli } from "../support/child-process.js";

const UNITS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

describe("duration flags", () => {
  it("a number with a unit is read in that unit", () => {
    fc.assert(
      fc.property(fc.nat(1_000_000), fc.constantFrom(...(Object.keys(UNITS) as Array<keyof typeof UNITS>)), (n, unit) => {
        assert.equal(parseDuration(`${n}${unit}`, "--x"), n * UNITS[unit]);
      }),
    );
    assert.equal(parseDuration("1.5s", "--x"), 1500);
  });

  it("a bare number other than 0 is a usage error naming the flag and the forms", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1_000_000 }), (n) => {
        assert.throws(
          () => parseDuration(String(n), "--heartbeat"),
          (error: unknown) =>
            error instanceof UsageError && /--heartbeat/.test(error.message) && /500ms, 15s, 30m, 24h, 7d/.test(error.message),
        );
      }),
    );
    // Zero is the same in every unit, and is how some flags say "never".
    assert.equal(parseDuration("0", "--x"), 0);
  });

  it("anything else is refused too", () => {
    for (const text of ["", "s", "15 s", "15sec", "-1s", "1e3ms", "15S", "0x10s"]) {
      assert.throws(() => parseDuration(text, "--x"), UsageError, text);
    }
  });

  it("verso serve --heartbeat 15 exits 2 before serving", async () => {
    const result = await runCli(["serve", "--db", ":memory:", "--port", "0", "--heartbeat", "15"]);
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, /--heartbeat "15" has no unit/);
    assert.match(result.stderr, /500ms, 15s, 30m, 24h, 7d/);
  });

  it("verso agent --status-interval 10 exits 2", async () => {
    const result = await runCli(["agent", "--region", "r", "--replica", ":memory:", "--status-interval", "10"]);
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, /--status-interval "10" has no unit/);
  });
});
