import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { agentStatus, DEFAULT_AGENT_THRESHOLDS } from "../../src/core/agent-status.js";
import type { StoredAgent } from "../../src/storage/agent-storage.js";

const agent = (applied: number, lastSeen: number): StoredAgent => ({
  region: "eu",
  id: "a",
  name: null,
  tokenName: null,
  transport: "watch",
  applied,
  handled: null,
  lastSeen,
});
const limits = DEFAULT_AGENT_THRESHOLDS;

describe("agent status", () => {
  it("stale after the silence, behind when lacking a change older than the threshold, live otherwise", () => {
    const now = 1_000_000;
    assert.equal(agentStatus(agent(5, now), 5, undefined, now, limits).state, "live");
    assert.equal(agentStatus(agent(4, now), 5, now - 4_999, now, limits).state, "live");
    assert.equal(agentStatus(agent(4, now), 5, now - 5_000, now, limits).state, "behind");
    assert.equal(agentStatus(agent(4, now), 5, undefined, now, limits).state, "live", "versions without rows carry no time");
    assert.equal(agentStatus(agent(5, now - 60_000), 5, undefined, now, limits).state, "live");
    assert.equal(agentStatus(agent(5, now - 60_001), 5, undefined, now, limits).state, "stale");
    const behind = agentStatus(agent(2, now), 7, now - 12_345, now, limits);
    assert.equal(behind.lagVersions, 5);
    assert.equal(behind.lagSeconds, 12.345);
  });

  it("lags are never negative, and zero in both units exactly when caught up", () => {
    fc.assert(
      fc.property(fc.nat(1000), fc.nat(1000), fc.option(fc.integer({ min: -10_000, max: 100_000 })), (applied, head, ago) => {
        const now = 10_000_000;
        const info = agentStatus(agent(applied, now), head, ago === null ? undefined : now - ago, now, limits);
        assert.ok(info.lagVersions >= 0 && info.lagSeconds >= 0);
        assert.equal(info.lagVersions === 0, applied >= head);
        if (applied >= head) assert.equal(info.lagSeconds, 0);
        assert.notEqual(info.state, "stale");
      }),
    );
  });
});
