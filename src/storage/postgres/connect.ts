/**
 * Connections to PostgreSQL through node-postgres (`pg`): the most used driver for
 * Node, actively maintained, with a built-in pool and LISTEN/NOTIFY support, which
 * are the two things this backend needs.
 */
import pg from "pg";

const INT8_OID = 20;

/**
 * Versions, ids and timestamps are bigint columns. verso's versions are safe integers
 * (the contract refuses larger ones), so they are read as numbers, not strings.
 */
export const VERSO_TYPES: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: string) =>
    oid === INT8_OID ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format as "text")) as typeof pg.types.getTypeParser,
};

export interface ConnectOptions {
  /** postgres://user:password@host:port/database */
  connectionString: string;
  /** Most connections this node opens for reads and writes (LISTEN uses one more). */
  poolSize: number;
  applicationName: string;
}

export function openPool(options: ConnectOptions, log: (line: string) => void): pg.Pool {
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max: options.poolSize,
    // Statements that do not depend on each other's answers share round trips.
    pipeline: true,
    types: VERSO_TYPES,
    application_name: options.applicationName,
    idleTimeoutMillis: 30_000,
    connectionTimeoutMillis: 10_000,
    // A node frozen mid-transaction (stopped process, partitioned network) would hold
    // its regions' locks forever; the server ends such a session and frees them.
    idle_in_transaction_session_timeout: 30_000,
  });
  // An idle connection that dies (server restart, network) emits here; the pool drops
  // it and opens another on demand. Without a listener the process would crash.
  pool.on("error", (error) => log(`idle PostgreSQL connection failed: ${error.message}`));
  return pool;
}

export function newClient(options: Omit<ConnectOptions, "poolSize">): pg.Client {
  return new pg.Client({
    connectionString: options.connectionString,
    types: VERSO_TYPES,
    application_name: options.applicationName,
    connectionTimeoutMillis: 10_000,
  });
}

/**
 * Acknowledged writes survive a crash only if commits wait for their WAL flush. Both
 * settings can be changed by the server's operator; verso says so loudly if they are off.
 */
export async function durabilityWarnings(pool: pg.Pool): Promise<string[]> {
  const { rows } = await pool.query<{ sync: string; fsync: string }>(
    "SELECT current_setting('synchronous_commit') AS sync, current_setting('fsync') AS fsync",
  );
  const warnings: string[] = [];
  if (rows[0]?.sync === "off") warnings.push("synchronous_commit is off: a crash of PostgreSQL can lose acknowledged writes");
  if (rows[0]?.fsync === "off") warnings.push("fsync is off: a crash of the machine can lose acknowledged writes or corrupt the database");
  return warnings;
}

/** Hides the password of a connection string, for logs. */
export function redact(connectionString: string): string {
  try {
    const url = new URL(connectionString);
    if (url.password) url.password = "***";
    return url.toString();
  } catch {
    return "(connection string)";
  }
}

/** The SQLSTATE of an error the server sent, if it is one (class 08 means the connection broke). */
export function sqlState(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}
