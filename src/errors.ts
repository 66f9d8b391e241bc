/**
 * One error hierarchy for every engine. Each error has a stable `code`, a
 * `transient` flag (safe to retry), the SQL text (never parameter values), the
 * engine, and the driver error as `cause`.
 *
 * @example
 * try { await db.execute("INSERT INTO users (email) VALUES (:e)", { e }); }
 * catch (err) { if (err instanceof PolysqlError && err.code === "unique_violation") ... }
 */
export type ErrorCode =
  | "unique_violation"
  | "foreign_key_violation"
  | "not_null_violation"
  | "check_violation"
  | "serialization_failure"
  | "deadlock"
  | "lock_timeout"
  | "query_timeout"
  | "query_cancelled"
  | "connection_failure"
  | "pool_timeout"
  | "pool_exhausted"
  | "pool_closed"
  | "pool_misuse"
  | "circuit_open"
  | "syntax_error"
  | "undefined_table"
  | "undefined_column"
  | "duplicate_object"
  | "permission_denied"
  | "data_exception"
  | "duplicate_column"
  | "missing_parameter"
  | "invalid_parameter"
  | "config_error"
  | "driver_missing"
  | "not_found"
  | "transaction_error"
  | "migration_error"
  | "pooler_unsupported"
  | "read_only"
  | "portability_error"
  | "unknown";

/** Codes whose failure is safe to retry: nothing was committed. */
export const TRANSIENT_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  "serialization_failure",
  "deadlock",
  "lock_timeout",
  "connection_failure",
  "pool_timeout",
]);

export interface ErrorDetails {
  sql?: string;
  engine?: string;
  constraint?: string;
  table?: string;
  column?: string;
  cause?: unknown;
  transient?: boolean;
  /** The engine's own code (SQLSTATE, errno name, SQLITE_*). */
  engineCode?: string;
  /** For connection failures: before anything was sent (`connect`) or during a statement (`query`). */
  phase?: "connect" | "query";
}

/** Base class of every error polysql throws. */
export class PolysqlError extends Error {
  readonly code: ErrorCode;
  readonly transient: boolean;
  readonly sql?: string;
  readonly engine?: string;
  readonly constraint?: string;
  readonly table?: string;
  readonly column?: string;
  readonly engineCode?: string;

  constructor(code: ErrorCode, message: string, details: ErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = new.target.name;
    this.code = code;
    this.transient = details.transient ?? TRANSIENT_CODES.has(code);
    for (const key of ["sql", "engine", "constraint", "table", "column", "engineCode"] as const) {
      if (details[key] !== undefined) (this as unknown as Record<string, unknown>)[key] = details[key];
    }
  }
}

/** Bad options or URL, found before any I/O. */
export class ConfigError extends PolysqlError {
  constructor(message: string, details?: ErrorDetails) {
    super("config_error", message, details);
  }
}

/** A parameter is missing, of the wrong kind, or cannot be bound. */
export class ParameterError extends PolysqlError {
  constructor(code: "missing_parameter" | "invalid_parameter", message: string, details?: ErrorDetails) {
    super(code, message, details);
  }
}

/** A driver package is not installed. */
export class DriverMissingError extends PolysqlError {
  constructor(pkg: string, scheme: string, cause?: unknown) {
    super("driver_missing", `The "${scheme}" backend needs the "${pkg}" package: npm install ${pkg}`, { cause });
  }
}

/** The connection could not be made (`phase: "connect"`, nothing was sent), or broke during a statement (`phase: "query"`). */
export class ConnectionError extends PolysqlError {
  readonly phase: "connect" | "query";
  constructor(message: string, details?: ErrorDetails) {
    super("connection_failure", message, details);
    this.phase = details?.phase ?? "query";
  }
}

/** The pool could not hand out a connection (timeout, exhausted, closed, circuit open). */
export class PoolError extends PolysqlError {
  constructor(code: "pool_timeout" | "pool_exhausted" | "pool_closed" | "pool_misuse" | "circuit_open", message: string, details?: ErrorDetails) {
    super(code, message, details);
  }
}

/**
 * Something that needs one server session for longer than a transaction (`db.connection()`,
 * `SET` or a session lock outside a transaction, the migration lock without `directUrl`),
 * asked of a database behind a transaction-mode pooler (`pooler: "transaction"`), which hands
 * each transaction a server connection of its choosing.
 */
export class PoolerModeError extends PolysqlError {
  /** The pooler mode that forbids it. */
  readonly mode: "transaction";
  constructor(message: string, details?: ErrorDetails) {
    super("pooler_unsupported", message, details);
    this.mode = "transaction";
  }
}

/** A constraint rejected a write. */
export class ConstraintError extends PolysqlError {}

/** The engine rejected a statement (syntax, missing table, bad data, timeouts, conflicts). */
export class QueryError extends PolysqlError {}

/** A row looked up by key does not exist. */
export class NotFoundError extends PolysqlError {
  constructor(message: string, details?: ErrorDetails) {
    super("not_found", message, details);
  }
}

const CONSTRAINT_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>(["unique_violation", "foreign_key_violation", "not_null_violation", "check_violation"]);

/** Builds the right subclass for an engine error already mapped to a code. */
export function engineError(code: ErrorCode, message: string, details: ErrorDetails): PolysqlError {
  if (code === "connection_failure") return new ConnectionError(message, details);
  if (CONSTRAINT_CODES.has(code)) return new ConstraintError(code, message, details);
  return new QueryError(code, message, details);
}
