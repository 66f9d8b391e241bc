import type { ErrorCode, PolysqlError } from "../../errors.js";
import type { PortableType } from "../../sql/portable-types.js";
import type { SqlSyntax } from "../../sql/syntax.js";

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

/**
 * How read replicas of this engine report where they are, so the core can route reads
 * (read-your-writes, lag) without asking for an engine by name. Positions are opaque text
 * (a PostgreSQL WAL LSN, a MariaDB GTID list), compared only through `reached`.
 */
export interface ReplicationFacts {
  /** On the primary, one value: a position covering every transaction committed so far. */
  readonly primaryPositionSql: string;
  /** On a replica, one value: the position it has applied up to (NULL or empty when it replicates nothing). */
  readonly replayedPositionSql: string;
  /** Whether a replica that applied up to `replayed` shows everything committed up to `wanted`. */
  reached(replayed: string, wanted: string): boolean;
  /**
   * Optional: on a replica, waits server-side until `:position` is applied or `:seconds` (fractional)
   * pass, answering one value that is truthy when reached. Without it the core polls `replayedPositionSql`.
   */
  readonly waitSql?: string;
  /** One value, truthy when the node refuses writes (a standby, a read_only replica). */
  readonly readOnlySql: string;
  /**
   * Optional: one value, truthy when the node may take statements at all (a MariaDB Galera node:
   * `wsrep_local_state` 4, Synced, and `wsrep_ready`). A host list skips a node that is not.
   */
  readonly nodeReadySql?: string;
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
  /**
   * Optional: OpenTelemetry's `db.response.status_code` for a failed statement, when the engine's
   * conventions want something else than `err.engineCode` (the default); `undefined`: the failure is
   * not an answer of the database (a network or client-side error), and the attribute is left out.
   */
  responseStatusCode?(err: PolysqlError): string | undefined;
  /** The migrator's lock; a backend without one cannot run `migrate up/down/repair`. */
  readonly migrationLock?: MigrationLockSql;
  /** Catalog queries for `tables()`, `columns()`, `tableExists()`. */
  readonly introspection: IntrospectionSql;
  /** Optional: replication positions, for read replicas (`connect({ replicas })`); absent means no read-your-writes. */
  readonly replication?: ReplicationFacts;
}
