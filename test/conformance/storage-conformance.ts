/**
 * The storage conformance suite, written once and run over every backend: a backend's
 * test file calls `describeStorageConformance("name", open)`, where `open` gives a
 * fresh, empty storage per test (and `reopen` for backends that persist). The suite
 * checks the Storage interface directly and through VersoStore wrapping it.
 */
import { describe } from "node:test";
import type { Storage } from "../../src/storage/storage.js";
import { describeFeed } from "./storage-feed.js";
import { describeLives } from "./storage-lives.js";
import { describeReplicacheStorage } from "./storage-replicache.js";
import { describeSchemas } from "./storage-schemas.js";
import { describeUpkeep } from "./storage-upkeep.js";
import { describeWrites } from "./storage-writes.js";
import { describeStore } from "./store-suite.js";

export type { ConformanceBackend } from "./fixture.js";

export function describeStorageConformance(
  name: string,
  open: () => Promise<{ storage: Storage; cleanup: () => Promise<void>; reopen?: () => Promise<Storage> }>,
  options: { skip?: string | false } = {},
): void {
  describe(`storage conformance: ${name}`, { skip: options.skip ?? false }, () => {
    describeWrites(open);
    describeFeed(open);
    describeLives(open);
    describeUpkeep(open);
    describeStore(open);
    describeSchemas(open);
    describeReplicacheStorage(open);
  });
}
