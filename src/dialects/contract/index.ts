import type { ErrorCode } from "../../errors.js";
import type { PortableType } from "../../sql/portable-types.js";
import type { SqlSyntax } from "../../sql/syntax.js";
import type { ValueOptions } from "../../values/decoders.js";

/** A row as drivers return it: a plain object keyed by column name. */
export type Row = Record<string, unknown>;

/** What one statement returned, as a driver reports it. */
export interface DriverResult {
  rows: Row[];
  rowCount: number;
  insertId?: number | bigint | string;
}

/**
 * One live connection, as a backend's driver provides it. The core wraps it in
 * the pool, transactions, retries and errors; the driver only talks to the engine.
 */
export interface DriverConnection {
  /** Runs one statement with bound values (already in the engine's placeholder style). */
  query(sql: string, values: readonly unknown[]): Promise<DriverResult>;
  /**
   * Optional: the same as `query` for an embedded engine whose driver is
   * synchronous; lets the core answer without a round of promise hops.
   */
  querySync?(sql: string, values: readonly unknown[]): DriverResult;
  /** Streams rows with constant memory (a server-side cursor or the engine's equivalent). */
  stream(sql: string, values: readonly unknown[], options: { batchSize: number }): AsyncIterable<Row>;
  /**
   * Returns the connection to a clean session: rolls back an open transaction and
   * clears `SET`s, temporary tables, user variables, prepared statements and locks.
   * Called before a connection whose session state may have changed is reused.
   */
  reset(): Promise<void>;
  /** Cheap synchronous check that the socket is still open (optional). */
  isAlive?(): boolean;
  /** Closes the connection; never throws, never hangs (a dead peer gets its socket destroyed). */
  close(): Promise<void>;
  /**
   * Optional fast path for bulk inserts (PostgreSQL one COPY, SQLite one prepared
   * statement): inserts every batch of rows (values in column order, already
   * checked) and returns the row count; names come quoted. Without it the core
   * sends multi-row INSERTs sized to the engine's limits.
   */
  bulkInsert?(table: string, columns: readonly string[], batches: AsyncIterable<readonly unknown[][]>): Promise<number>;
  /** Registers a handler for errors raised while the connection sits idle. */
  onError(handler: (err: unknown) => void): void;
}

/** Transaction isolation levels, spelled as SQL spells them. */
export type IsolationLevel = "read uncommitted" | "read committed" | "repeatable read" | "serializable";

/** Options accepted by `transaction()`. */
export interface TransactionOptions {
  isolation?: IsolationLevel;
  readOnly?: boolean;
  /** Reruns the whole callback this many times on a transient failure. */
  retries?: number;
}

/** What the engine can do; the core asks for these, never for an engine's name. */
export interface Capabilities {
  /** `INSERT ... RETURNING`. */
  returning: boolean;
  /** DDL inside a transaction rolls back with it. */
  transactionalDdl: boolean;
  /** `SAVEPOINT`, `RELEASE SAVEPOINT`, `ROLLBACK TO SAVEPOINT`. */
  savepoints: boolean;
  /** Several connections can be open at once; false (an embedded single-writer engine) makes the pool hold one connection. */
  concurrentConnections: boolean;
  /** Optional: two transactions locking rows in opposite order end with one `deadlock` error. Absent means false. */
  deadlockDetection?: boolean;
  /** Optional: SERIALIZABLE write skew fails with `serialization_failure`. Absent means false. */
  serializationFailures?: boolean;
  /** Optional: a value that does not fit its column (text into INTEGER, too long for VARCHAR(n)) is a `data_exception`. Absent means false. */
  strictTypes?: boolean;
}

/** The capability flags every backend must declare, and the optional ones; any other key is an error. */
export const REQUIRED_CAPABILITIES = ["returning", "transactionalDdl", "savepoints", "concurrentConnections"] as const;
export const OPTIONAL_CAPABILITIES = ["deadlockDetection", "serializationFailures", "strictTypes"] as const;

/**
 * Catalog queries behind `tables()`, `columns()` and `tableExists()`, written
 * with `:name` placeholders like any polysql query.
 */
export interface IntrospectionSql {
  /** User tables of the current schema or database (no system tables): one column `name`. */
  readonly tablesSql: string;
  /**
   * The columns of table `:table` in ordinal order: `name`, `type` (as the engine
   * spells it), `nullable` (boolean, 0/1 or 'YES'/'NO'), `default_value` (SQL text or NULL).
   */
  readonly columnsSql: string;
}

/** An engine error translated into polysql's taxonomy. */
export interface MappedError {
  code: ErrorCode;
  engineCode?: string;
  /** A connection failure raised before the statement left the client: the server never saw it, so a retry is safe. */
  notSent?: boolean;
  constraint?: string;
  table?: string;
  column?: string;
}

// Portable types are SQL-language facts: they live in sql/ and are part of the contract from here.
export { PORTABLE_TYPES, type PortableType } from "../../sql/portable-types.js";

/**
 * How the migrator takes a lock that the engine itself drops when the session
 * ends (so a killed migrator never leaves a stale lock).
 */
export interface MigrationLockSql {
  /** Tries once, without waiting long. Session locks answer one row whose first column is truthy when taken. */
  readonly acquire: string;
  /** Releases the lock (for a transactional lock: commits). */
  readonly release: string;
  /** The lock is the write transaction `acquire` opens (SQLite `BEGIN IMMEDIATE`): success is "no error", migrations run as savepoints inside it, and `abort` rolls back. */
  readonly transactional?: boolean;
  /** Undoes the lock after an unexpected error; defaults to `release`. */
  readonly abort?: string;
}

/** One engine's facts, as data. */
export interface Dialect {
  readonly name: string;
  readonly syntax: SqlSyntax;
  readonly capabilities: Capabilities;
  /** Portable type → this engine's spelling; arguments such as `(10,2)` are kept after it. */
  readonly types: Readonly<Record<PortableType, string>>;
  /** Most bound parameters one statement may carry. */
  readonly maxParameters: number;
  /** Query answering the largest statement the server accepts, in bytes (MySQL `max_allowed_packet`). */
  readonly packetLimitSql?: string;
  /** Longest identifier the engine accepts, in bytes. */
  readonly maxIdentifierLength: number;
  /**
   * Statements that can leave state in a session (settings, locks, variables,
   * temporary tables): a connection that ran one is reset before its next
   * borrower. Build it with `sessionStatePattern` from the kit; absent means
   * the standard statements only (SET, BEGIN, START, LOCK, PREPARE, DECLARE, CREATE TEMP).
   */
  readonly sessionState?: RegExp;
  /** Statements that open a transaction with these options. */
  begin(options: TransactionOptions): string[];
  /** Statements that undo session settings `begin` made, run after COMMIT or ROLLBACK. */
  end?(options: TransactionOptions): string[];
  /** What follows `INSERT INTO t` to insert a row of defaults: `DEFAULT VALUES` or `() VALUES ()`. */
  readonly insertDefaults: string;
  /**
   * The clause after `INSERT ... VALUES (...)` that turns it into an upsert, from
   * quoted names: the conflict columns, the columns to update, and the generated
   * key column whose value the caller wants back (undefined when the row carries its key).
   */
  upsertClause(conflict: readonly string[], update: readonly string[], generatedKey: string | undefined): string;
  /** Query returning one row with one column: the server's version string. */
  readonly serverVersionSql: string;
  /** Translates a driver error; `undefined` when it is not an engine error. */
  mapError(err: unknown): MappedError | undefined;
  /** The migrator's lock; a backend without one cannot run `migrate up/down/repair`. */
  readonly migrationLock?: MigrationLockSql;
  /** Catalog queries for `tables()`, `columns()`, `tableExists()`. */
  readonly introspection: IntrospectionSql;
}

/**
 * A backend: what a plugin registers to add an engine. The core provides the
 * pool, transactions, retries, errors and the public API around it.
 *
 * @example
 * registerBackend({ name: "pglite", schemes: ["pglite"], version: "1.0.0",
 *   driverPackages: ["@electric-sql/pglite"], dialect, configKeys: ["dataDir"],
 *   parseUrl: (url) => ({ dataDir: url.pathname }), connect: async (cfg) => openPglite(cfg) });
 */
export interface BackendDefinition<Config extends object = Record<string, unknown>> {
  readonly name: string;
  /** URL schemes without the colon, e.g. `["postgres", "postgresql"]`. */
  readonly schemes: readonly string[];
  readonly version: string;
  /** npm packages the driver loads; listed by `backends()` with whether they are installed. */
  readonly driverPackages: readonly string[];
  readonly dialect: Dialect;
  /** Keys a caller may pass under `connect({ <backend name>: {...} })`; others are errors. */
  readonly configKeys: readonly string[];
  /** Turns a URL into this backend's config; throws ConfigError on a bad one. */
  parseUrl(url: string): Config;
  /**
   * Checks the merged config (from the URL and `connect({ <name>: {...} })`) before
   * any connection is opened; throws `ConfigError` naming the bad option. Unknown
   * keys are already rejected by `configKeys`.
   */
  validateConfig?(config: Config): void;
  /** Opens one connection. */
  connect(config: Config, values: ValueOptions): Promise<DriverConnection>;
}
