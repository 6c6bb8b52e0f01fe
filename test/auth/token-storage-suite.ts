/**
 * The TokenStorage suite, written once and run over every backend that keeps tokens:
 * a backend's test file calls `describeTokenStorage("name", open)`, where `open` gives a
 * fresh, empty storage per test and a way to reopen it over the same data.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { hashToken, issueToken } from "../../src/core/tokens.js";
import type { Storage } from "../../src/storage/storage.js";
import type { TokenStorage } from "../../src/storage/token-storage.js";
import type { ConformanceBackend } from "../conformance/fixture.js";

type OpenBackend = () => Promise<ConformanceBackend>;

function tokensOf(storage: Storage): TokenStorage {
  const tokens = storage.tokens?.();
  assert.ok(tokens, `the ${storage.backend} backend keeps tokens`);
  return tokens;
}

interface Context {
  tokens: TokenStorage;
  /** Closes the storage and opens a new one over the same data. */
  reopen: () => Promise<Storage>;
}

/** Runs `body` on a fresh backend; closes whatever storage it ends with and cleans up. */
async function withBackend(open: OpenBackend, body: (context: Context) => Promise<void>): Promise<void> {
  const backend = await open();
  let storage = backend.storage;
  const reopen = async () => {
    assert.ok(backend.reopen, "the backend persists");
    await storage.close();
    storage = await backend.reopen();
    return storage;
  };
  try {
    await body({ tokens: tokensOf(storage), reopen });
  } finally {
    await storage.close();
    await backend.cleanup();
  }
}

export function describeTokenStorage(name: string, open: OpenBackend, options: { skip?: string | false } = {}): void {
  describe(`token storage: ${name}`, { skip: options.skip ?? false }, () => {
    it("finds by hash, revokes once and keeps revoked tokens listed", () =>
      withBackend(open, async ({ tokens }) => {
        const a = issueToken({ regions: ["*"], role: "write", name: "ci" }, 1_000);
        const b = issueToken({ regions: ["r1", "r2"], role: "read", name: null }, 2_000);
        await tokens.create(a.stored);
        await tokens.create(b.stored);
        const { hash: _hash, ...expectedB } = b.stored;
        assert.deepEqual(await tokens.findByHash(hashToken(b.secret)), { ...expectedB, revokedAt: null });
        assert.equal(await tokens.findByHash(hashToken("verso_unknown")), undefined);
        assert.equal((await tokens.revoke(b.stored.id, 3_000))?.revokedAt, 3_000);
        assert.equal((await tokens.revoke(b.stored.id, 4_000))?.revokedAt, 3_000, "a second revocation keeps the first time");
        assert.equal((await tokens.findByHash(hashToken(b.secret)))?.revokedAt, 3_000);
        assert.equal(await tokens.revoke("tok_missing", 5_000), undefined);
        assert.deepEqual(
          (await tokens.list()).map((t) => [t.id, t.revokedAt]),
          [
            [a.stored.id, null],
            [b.stored.id, 3_000],
          ],
        );
      }));

    it("lists oldest first, whatever the order of creation", () =>
      withBackend(open, async ({ tokens }) => {
        const late = issueToken({ regions: ["b"], role: "read", name: "late" }, 5_000);
        const early = issueToken({ regions: ["a"], role: "read", name: "early" }, 1_000);
        await tokens.create(late.stored);
        await tokens.create(early.stored);
        assert.deepEqual(
          (await tokens.list()).map((t) => t.name),
          ["early", "late"],
        );
      }));

    it("refuses a second token with the same hash", () =>
      withBackend(open, async ({ tokens }) => {
        const a = issueToken({ regions: ["r"], role: "read", name: null }, 1_000);
        await tokens.create(a.stored);
        await assert.rejects(tokens.create({ ...a.stored, id: "tok_other" }));
        assert.equal((await tokens.list()).length, 1);
      }));

    it("agrees on one revocation time when a token is revoked twice at once", () =>
      withBackend(open, async ({ tokens }) => {
        const a = issueToken({ regions: ["r"], role: "write", name: null }, 1_000);
        await tokens.create(a.stored);
        const [x, y] = await Promise.all([tokens.revoke(a.stored.id, 2_000), tokens.revoke(a.stored.id, 3_000)]);
        assert.ok(x && y);
        assert.equal(x.revokedAt, y.revokedAt);
        assert.equal((await tokens.findByHash(hashToken(a.secret)))?.revokedAt, x.revokedAt);
      }));

    it("keeps tokens, revocations included, across a reopen", () =>
      withBackend(open, async ({ tokens, reopen }) => {
        const a = issueToken({ regions: ["r1", "r2"], role: "read", name: "kept" }, 1_000);
        const b = issueToken({ regions: ["*"], role: "write", name: null }, 2_000);
        await tokens.create(a.stored);
        await tokens.create(b.stored);
        await tokens.revoke(b.stored.id, 3_000);
        const reopened = await reopen();
        const { hash: _hash, ...expectedA } = a.stored;
        assert.deepEqual(await tokensOf(reopened).findByHash(hashToken(a.secret)), { ...expectedA, revokedAt: null });
        assert.deepEqual(
          (await tokensOf(reopened).list()).map((t) => [t.id, t.revokedAt]),
          [
            [a.stored.id, null],
            [b.stored.id, 3_000],
          ],
        );
      }));
  });
}
