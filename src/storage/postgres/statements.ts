/**
 * Every SQL statement the PostgreSQL backend runs, built once per schema. Kept in one
 * place so the benchmark can replay exactly these statements through pgbench.
 */
import { quoted } from "./schema-name.js";

const FEED_COLUMNS = "collection, key, version, deleted, value, schema_version";
const SHAPE_COLUMNS = `${FEED_COLUMNS}, created_version, prior_end_version`;
const REGION_COLUMNS = "id, name, epoch, version, floor";
const TOKEN_COLUMNS = "id, name, role, regions, created_at, revoked_at";

export function statements(schema: string) {
  const s = quoted(schema);
  return {
    region: `SELECT ${REGION_COLUMNS} FROM ${s}.regions WHERE name = $1`,
    /** The region lock: every write to a region holds its row lock until commit. */
    lockRegion: `SELECT ${REGION_COLUMNS} FROM ${s}.regions WHERE name = $1 FOR UPDATE`,
    /** Creates a region at version 0; returns nothing when another transaction created it first. */
    createRegion: `INSERT INTO ${s}.regions (name, epoch, version, floor, created_at) VALUES ($1, $2, 0, 0, $3)
      ON CONFLICT (name) DO NOTHING RETURNING ${REGION_COLUMNS}`,
    regions: `SELECT ${REGION_COLUMNS} FROM ${s}.regions ORDER BY name`,
    heads: `SELECT name, version FROM ${s}.regions`,
    /**
     * Takes the region's next version and writes the rows at it, in one statement. The
     * upsert creates the region (version 1) or locks and bumps it; in READ COMMITTED the
     * bump waits for the current holder of the row lock and then sees its commit, so
     * versions of one region are taken, and committed, one after the other.
     * $1 region, $2 epoch for a new region, $3 now, $4..$8 collections, keys, deleted, values, schema versions.
     * A put over a tombstone begins a new life: created at this version, the previous
     * life ended at the tombstone's version. Anything else keeps the life's creation.
     */
    bumpAndWrite: `WITH g AS (
        INSERT INTO ${s}.regions AS g (name, epoch, version, floor, created_at) VALUES ($1, $2, 1, 0, $3)
        ON CONFLICT (name) DO UPDATE SET version = g.version + 1
        RETURNING id, version
      ), w AS (
        INSERT INTO ${s}.rows AS r (region_id, collection, key, version, deleted, value, updated_at, schema_version, created_version)
        SELECT g.id, o.collection, o.key, g.version, o.deleted, o.value, $3, o.schema_version, g.version
        FROM g, unnest($4::text[], $5::text[], $6::boolean[], $7::text[], $8::bigint[]) AS o (collection, key, deleted, value, schema_version)
        ON CONFLICT (region_id, collection, key) DO UPDATE SET
          version = excluded.version, deleted = excluded.deleted, value = excluded.value, updated_at = excluded.updated_at,
          schema_version = excluded.schema_version,
          created_version = CASE WHEN r.deleted AND NOT excluded.deleted THEN excluded.version ELSE r.created_version END,
          prior_end_version = CASE WHEN r.deleted AND NOT excluded.deleted THEN r.version ELSE r.prior_end_version END
      )
      SELECT version FROM g`,
    /** Current state of the rows a transaction touches, by position (1-based) in $2/$3. */
    rowStates: `SELECT o.i::int AS i, r.version, r.deleted, r.value
      FROM unnest($2::text[], $3::text[]) WITH ORDINALITY AS o (collection, key, i)
      JOIN ${s}.rows r ON r.region_id = $1 AND r.collection = o.collection AND r.key = o.key`,
    purge: `DELETE FROM ${s}.rows WHERE region_id = $1 AND deleted AND version <= $2`,
    setFloor: `UPDATE ${s}.regions SET floor = $2 WHERE id = $1`,
    row: `SELECT r.version, r.value, r.schema_version FROM ${s}.rows r JOIN ${s}.regions g ON g.id = r.region_id
      WHERE g.name = $1 AND r.collection = $2 AND r.key = $3 AND NOT r.deleted`,
    liveRows: `SELECT r.key, r.version, r.value, r.schema_version FROM ${s}.rows r JOIN ${s}.regions g ON g.id = r.region_id
      WHERE g.name = $1 AND r.collection = $2 AND NOT r.deleted AND r.key > $3 ORDER BY r.key LIMIT $4`,
    /**
     * The common feed read in one statement (one snapshot): the region and the first
     * rows after the cursor. No row at all means the region does not exist.
     */
    feedHead: `SELECT g.id, g.name, g.epoch, g.version AS head, g.floor, c.collection, c.key, c.version, c.deleted, c.value, c.schema_version
      FROM ${s}.regions g LEFT JOIN LATERAL (
        SELECT ${FEED_COLUMNS} FROM ${s}.rows WHERE region_id = g.id AND version > $2 ORDER BY version, collection, key LIMIT $3
      ) c ON true
      WHERE g.name = $1
      ORDER BY c.version, c.collection, c.key`,
    changesAfter: `SELECT ${FEED_COLUMNS} FROM ${s}.rows WHERE region_id = $1 AND version > $2 ORDER BY version, collection, key LIMIT $3`,
    liveCount: `SELECT count(*)::int AS n FROM ${s}.rows WHERE region_id = $1 AND NOT deleted`,
    liveAfter: `SELECT ${FEED_COLUMNS} FROM ${s}.rows WHERE region_id = $1 AND version > $2 AND NOT deleted
      ORDER BY version, collection, key LIMIT $3`,
    /** A version larger than the page, or a reset's compacted prefix, fetched whole: (from, upTo]. */
    changesUpTo: `SELECT ${FEED_COLUMNS} FROM ${s}.rows WHERE region_id = $1 AND version > $2 AND version <= $3
      ORDER BY version, collection, key`,
    liveUpTo: `SELECT ${FEED_COLUMNS} FROM ${s}.rows WHERE region_id = $1 AND version > $2 AND version <= $3 AND NOT deleted
      ORDER BY version, collection, key`,
    /**
     * The feed of one collection (a shape): the same four reads, with each row's life.
     * They walk the region's feed index (rows_by_version) and skip other collections:
     * an index of its own would cost every write another entry for reads that cost at
     * most what the region's feed costs.
     */
    collectionChangesAfter: `SELECT ${SHAPE_COLUMNS} FROM ${s}.rows WHERE region_id = $1 AND collection = $2 AND version > $3
      ORDER BY version, collection, key LIMIT $4`,
    collectionLiveAfter: `SELECT ${SHAPE_COLUMNS} FROM ${s}.rows WHERE region_id = $1 AND collection = $2 AND version > $3 AND NOT deleted
      ORDER BY version, collection, key LIMIT $4`,
    collectionChangesUpTo: `SELECT ${SHAPE_COLUMNS} FROM ${s}.rows WHERE region_id = $1 AND collection = $2 AND version > $3 AND version <= $4
      ORDER BY version, collection, key`,
    collectionLiveUpTo: `SELECT ${SHAPE_COLUMNS} FROM ${s}.rows WHERE region_id = $1 AND collection = $2 AND version > $3 AND version <= $4
      AND NOT deleted ORDER BY version, collection, key`,
    tombstoneHorizons: `SELECT g.name, max(r.version) AS version FROM ${s}.rows r JOIN ${s}.regions g ON g.id = r.region_id
      WHERE r.deleted AND r.updated_at < $1 GROUP BY g.name`,
    /**
     * Claims Idempotency-Keys before anything else happens in the transaction, in sorted
     * order. A key another transaction is claiming makes this wait for that transaction
     * and then skip the key: concurrent duplicates execute once, on any node.
     */
    claimKeys: `INSERT INTO ${s}.idempotency (key, fingerprint, outcome, created_at)
      SELECT c.key, c.fingerprint, NULL, $3 FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS c (key, fingerprint, i) ORDER BY c.i
      ON CONFLICT (key) DO NOTHING RETURNING key`,
    recallKeys: `SELECT key, fingerprint, outcome FROM ${s}.idempotency WHERE key = ANY($1::text[])`,
    recordOutcomes: `UPDATE ${s}.idempotency d SET outcome = u.outcome
      FROM unnest($1::text[], $2::text[]) AS u (key, outcome) WHERE d.key = u.key`,
    sweep: `DELETE FROM ${s}.idempotency WHERE created_at < $1`,
    insertToken: `INSERT INTO ${s}.tokens (id, hash, name, role, regions, created_at) VALUES ($1, $2, $3, $4, $5, $6)`,
    tokens: `SELECT ${TOKEN_COLUMNS} FROM ${s}.tokens ORDER BY created_at, id`,
    /** Keeps the first revocation time; no row back means no such token. */
    revokeToken: `UPDATE ${s}.tokens SET revoked_at = coalesce(revoked_at, $2) WHERE id = $1 RETURNING ${TOKEN_COLUMNS}`,
    tokenByHash: `SELECT ${TOKEN_COLUMNS} FROM ${s}.tokens WHERE hash = $1`,
    /** Replicache clients of a push, by id ($2: ids). */
    replicacheClients: `SELECT client_id, client_group_id, last_mutation_id FROM ${s}.replicache_clients
      WHERE region = $1 AND client_id = ANY($2::text[])`,
    /** $1 region, $2 group, $3 now, $4..$6 client ids, last mutation ids, the versions that set them. */
    replicacheClientsPut: `INSERT INTO ${s}.replicache_clients (region, client_id, client_group_id, last_mutation_id, version, updated_at)
      SELECT $1, c.client_id, $2, c.last_mutation_id, c.version, $3
      FROM unnest($4::text[], $5::bigint[], $6::bigint[]) AS c (client_id, last_mutation_id, version)
      ON CONFLICT (region, client_id) DO UPDATE SET
        client_group_id = excluded.client_group_id, last_mutation_id = excluded.last_mutation_id,
        version = excluded.version, updated_at = excluded.updated_at`,
    /** The clients of a group whose last mutation id changed in versions ($3, $4]. */
    replicacheChanges: `SELECT client_id, last_mutation_id FROM ${s}.replicache_clients
      WHERE region = $1 AND client_group_id = $2 AND version > $3 AND version <= $4 ORDER BY client_id`,
    /** Commit notifications are queued inside the write transaction and sent by its commit. */
    notify: "SELECT pg_notify($1, p) FROM unnest($2::text[]) AS p",
  };
}

export type Statements = ReturnType<typeof statements>;
