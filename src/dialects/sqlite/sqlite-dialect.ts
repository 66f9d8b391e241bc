import type { Dialect, MappedError, TransactionOptions } from "../contract/index.js";
import type { ErrorCode } from "../../errors.js";
import { onConflictUpdate } from "../kit/on-conflict.js";
import { sessionStatePattern } from "../kit/session-state.js";

const CONSTRAINT_CODES: Record<string, ErrorCode> = {
  SQLITE_CONSTRAINT_UNIQUE: "unique_violation",
  SQLITE_CONSTRAINT_PRIMARYKEY: "unique_violation",
  SQLITE_CONSTRAINT_FOREIGNKEY: "foreign_key_violation",
  SQLITE_CONSTRAINT_NOTNULL: "not_null_violation",
  SQLITE_CONSTRAINT_CHECK: "check_violation",
  SQLITE_CONSTRAINT_DATATYPE: "data_exception",
  SQLITE_BUSY: "lock_timeout",
  SQLITE_BUSY_SNAPSHOT: "serialization_failure",
  SQLITE_LOCKED: "lock_timeout",
  SQLITE_MISMATCH: "data_exception",
  SQLITE_TOOBIG: "data_exception",
  SQLITE_RANGE: "data_exception",
  SQLITE_INTERRUPT: "query_timeout",
  SQLITE_CANTOPEN: "connection_failure",
  SQLITE_NOTADB: "connection_failure",
  SQLITE_READONLY: "permission_denied",
};

const MESSAGE_CODES: [RegExp, ErrorCode][] = [
  [/^no such table/, "undefined_table"],
  [/^no such column/, "undefined_column"],
  [/syntax error|incomplete input|unrecognized token/, "syntax_error"],
  [/^table .* has no column named/, "undefined_column"],
  [/already exists/, "duplicate_object"],
  [/datatype mismatch/, "data_exception"],
];

/** better-sqlite3's own refusals (RangeError/TypeError, no SQLITE_ code). */
const DRIVER_MESSAGES: [RegExp, ErrorCode][] = [
  [/more than one statement/, "syntax_error"],
  [/Too (?:many|few) parameter values|Missing named parameter|bind parameters/i, "invalid_parameter"],
  [/database connection is not open/, "connection_failure"],
];

function mapError(err: unknown): MappedError | undefined {
  const e = err as { code?: unknown; message?: unknown };
  if (typeof e?.code !== "string" || !e.code.startsWith("SQLITE_")) {
    const code = DRIVER_MESSAGES.find(([re]) => re.test(String(e?.message ?? "")))?.[1];
    return code === undefined ? undefined : { code };
  }
  const message = String(e.message ?? "");
  const code = CONSTRAINT_CODES[e.code] ?? MESSAGE_CODES.find(([re]) => re.test(message))?.[1] ?? "unknown";
  // "UNIQUE constraint failed: users.email, users.org"
  const failed = /constraint failed: ([^.,\s]+)\.([^,\s]+)/.exec(message);
  return {
    code,
    engineCode: e.code,
    table: failed?.[1] ?? /no such table: (?:\w+\.)?(\S+)/.exec(message)?.[1],
    column: failed?.[2] ?? /no such column: (\S+)/.exec(message)?.[1],
  };
}

/** SQLite's facts: `?` placeholders, double-quoted identifiers, one writer. */
export const sqliteDialect: Dialect = {
  name: "sqlite",
  syntax: {
    name: "sqlite",
    placeholders: "question",
    identifierQuote: '"',
    backslashEscapes: false,
    doubleQuotedStrings: false,
    backtickIdentifiers: true,
    bracketIdentifiers: true,
    dollarQuotes: false,
    escapeStrings: false,
    hashComments: false,
    nestedBlockComments: false,
  },
  capabilities: {
    returning: true,
    transactionalDdl: true,
    savepoints: true,
    concurrentConnections: false,
    deadlockDetection: false,
    serializationFailures: false,
    // Column types are affinities: 'abc' fits an INTEGER column, VARCHAR(5) holds any length.
    strictTypes: false,
  },
  types: {
    INTEGER: "INTEGER",
    BIGINT: "BIGINT",
    DECIMAL: "DECIMAL_TEXT",
    BOOLEAN: "BOOLEAN",
    TEXT: "TEXT",
    VARCHAR: "VARCHAR",
    JSON: "JSON_TEXT",
    UUID: "UUID_TEXT",
    TIMESTAMP: "TIMESTAMP",
    DATE: "DATE",
    BYTES: "BLOB",
    SERIAL: "INTEGER PRIMARY KEY AUTOINCREMENT",
    BIGSERIAL: "INTEGER PRIMARY KEY AUTOINCREMENT",
  },
  maxParameters: 32766,
  maxIdentifierLength: 1024,
  // PRAGMA changes connection settings; ATTACH adds a database to the connection.
  sessionState: sessionStatePattern(["PRAGMA", "ATTACH", "DETACH"]),
  // SQLite transactions are always serializable, which satisfies every requested level.
  begin: (options: TransactionOptions) => (options.readOnly ? ["BEGIN DEFERRED", "PRAGMA query_only = ON"] : ["BEGIN IMMEDIATE"]),
  end: (options: TransactionOptions) => (options.readOnly ? ["PRAGMA query_only = OFF"] : []),
  insertDefaults: "DEFAULT VALUES",
  upsertClause: onConflictUpdate,
  serverVersionSql: "SELECT sqlite_version()",
  mapError,
  migrationLock: { acquire: "BEGIN IMMEDIATE", release: "COMMIT", abort: "ROLLBACK", transactional: true },
  introspection: {
    tablesSql: "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'",
    // An INTEGER PRIMARY KEY is the rowid: never NULL even without NOT NULL.
    columnsSql: 'SELECT name, type, "notnull" = 0 AND pk = 0 AS nullable, dflt_value AS default_value FROM pragma_table_info(:table) ORDER BY cid',
  },
};
