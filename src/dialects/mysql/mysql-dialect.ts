import type { Dialect, MappedError, TransactionOptions } from "../contract/index.js";
import type { SqlSyntax } from "../../sql/syntax.js";
import type { ErrorCode, PolysqlError } from "../../errors.js";
import { sessionStatePattern } from "../kit/session-state.js";
import { failedWrite, networkErrorCode } from "../kit/network-errors.js";
import { mariadbReplication } from "./mysql-replication.js";

/** MySQL/MariaDB server error numbers. */
const ERRNO: Record<number, ErrorCode> = {
  1062: "unique_violation",
  1586: "unique_violation",
  1451: "foreign_key_violation",
  1452: "foreign_key_violation",
  1216: "foreign_key_violation",
  1217: "foreign_key_violation",
  1048: "not_null_violation",
  1364: "not_null_violation",
  4025: "check_violation",
  3819: "check_violation",
  1213: "deadlock",
  1205: "lock_timeout",
  3572: "lock_timeout",
  1064: "syntax_error",
  1149: "syntax_error",
  1146: "undefined_table",
  1051: "undefined_table",
  1054: "undefined_column",
  1050: "duplicate_object",
  1061: "duplicate_object",
  1044: "permission_denied",
  1142: "permission_denied",
  1143: "permission_denied",
  1227: "permission_denied",
  1370: "permission_denied",
  // --read-only (1290 ER_OPTION_PREVENTS_STATEMENT) and 1836 ER_READ_ONLY_MODE: a write sent to a read-only replica.
  1290: "read_only",
  1836: "read_only",
  1969: "query_timeout",
  3024: "query_timeout",
  1317: "query_cancelled",
  1264: "data_exception",
  1265: "data_exception",
  1292: "data_exception",
  1366: "data_exception",
  1367: "data_exception",
  1406: "data_exception",
  1365: "data_exception",
  3140: "data_exception",
  4038: "data_exception",
  1040: "connection_failure",
  1053: "connection_failure",
  1927: "connection_failure",
  2006: "connection_failure",
  2013: "connection_failure",
};

// Names in messages are quoted as the session's sql_mode quotes them: `name`, or "name" under ANSI_QUOTES.
const PATTERNS: [ErrorCode, RegExp, "constraint" | "column"][] = [
  ["unique_violation", /for key '(?:[^'.]*\.)?([^']+)'/, "constraint"],
  ["foreign_key_violation", /CONSTRAINT [`"]([^`"]+)[`"]/, "constraint"],
  ["check_violation", /CONSTRAINT [`"]([^`"]+)[`"]|constraint '([^']+)'/i, "constraint"],
  ["not_null_violation", /Column '([^']+)'|Field '([^']+)'/, "column"],
  ["undefined_column", /Unknown column '([^']+)'/, "column"],
];

function mapError(err: unknown): MappedError | undefined {
  const e = err as { errno?: unknown; code?: unknown; sqlState?: unknown; text?: unknown; message?: unknown; fatal?: unknown };
  const errno = typeof e?.errno === "number" ? e.errno : undefined;
  // 1047 (08S01) from a Galera node that is not Synced ("WSREP has not yet prepared node for application use"):
  // the statement was refused, not run; the session goes, and the call may run again on another node.
  if (errno === 1047) return { code: "connection_failure", engineCode: String(e.code ?? errno), notSent: true };
  const code = errno === undefined ? undefined : ERRNO[errno];
  if (code === undefined) {
    const network = networkErrorCode(err);
    if (network !== undefined || (e?.fatal === true && errno !== undefined && errno >= 45000)) {
      // The connector refuses a command on a connection it knows is closed: nothing was sent.
      const notSent = failedWrite(err) || e.code === "ER_CMD_CONNECTION_CLOSED" || e.code === "ER_CONNECTION_ALREADY_CLOSED";
      return { code: "connection_failure", engineCode: network ?? String(e.code), notSent };
    }
    if (errno === undefined) return undefined;
    const sqlState = typeof e.sqlState === "string" ? e.sqlState : "";
    const byClass: ErrorCode = sqlState.startsWith("22") ? "data_exception" : sqlState.startsWith("42") ? "syntax_error" : "unknown";
    return { code: byClass, engineCode: String(e.code ?? errno) };
  }
  const text = String(e.text ?? e.message ?? "");
  const mapped: MappedError = { code, engineCode: String(e.code ?? errno) };
  for (const [c, re, field] of PATTERNS) {
    const m = c === code ? re.exec(text) : null;
    if (m) mapped[field] = m[1] ?? m[2];
  }
  const table = /Table '(?:[^'.]*\.)?([^']+)' doesn't exist|for [`"][^`"]*[`"]\.[`"]([^`"]+)[`"]/.exec(text);
  if (table) mapped.table = table[1] ?? table[2];
  return mapped;
}

/**
 * `db.response.status_code` per the MySQL and MariaDB semantic conventions: the server's error
 * number as text (`1062`), not the connector's name (`ER_DUP_ENTRY`, kept as `engineCode`); none for
 * the connector's own errors (45000 and up) or a network failure, which the server never answered.
 */
function responseStatusCode(err: PolysqlError): string | undefined {
  const errno = (err.cause as { errno?: unknown } | undefined)?.errno;
  return typeof errno === "number" && errno > 0 && errno < 45000 ? String(errno) : undefined;
}

/** The server's own sql_mode: backticks quote names, "..." is a string, a backslash escapes. */
const NATIVE_SYNTAX: SqlSyntax = {
  name: "mysql-native",
  placeholders: "question",
  identifierQuote: "`",
  backslashEscapes: true,
  doubleQuotedStrings: true,
  backtickIdentifiers: true,
  bracketIdentifiers: false,
  dollarQuotes: false,
  escapeStrings: false,
  hashComments: true,
  nestedBlockComments: false,
};

/** The portable profile (ANSI_QUOTES, NO_BACKSLASH_ESCAPES): "..." quotes a name (backticks still do), a backslash is a character. */
const PORTABLE_SYNTAX: SqlSyntax = { ...NATIVE_SYNTAX, name: "mysql", identifierQuote: '"', backslashEscapes: false, doubleQuotedStrings: false };

/**
 * MySQL/MariaDB facts under the server's own sql_mode (`connect({ mysql: { sqlMode: "native" } })`):
 * `?` placeholders, backticks, backslash escapes, DDL commits implicitly.
 */
export const mysqlNativeDialect: Dialect = {
  name: "mysql",
  syntax: NATIVE_SYNTAX,
  capabilities: {
    returning: false,
    transactionalDdl: false,
    savepoints: true,
    concurrentConnections: true,
    deadlockDetection: true,
    // InnoDB's SERIALIZABLE takes locks: write skew blocks or deadlocks instead.
    serializationFailures: false,
    // With the default sql_mode (STRICT_TRANS_TABLES).
    strictTypes: true,
  },
  types: {
    INTEGER: "INTEGER",
    BIGINT: "BIGINT",
    DECIMAL: "DECIMAL",
    BOOLEAN: "BOOLEAN",
    TEXT: "LONGTEXT",
    VARCHAR: "VARCHAR",
    JSON: "JSON",
    UUID: "UUID",
    TIMESTAMP: "DATETIME(3)",
    DATE: "DATE",
    BYTES: "LONGBLOB",
    SERIAL: "INTEGER AUTO_INCREMENT PRIMARY KEY",
    BIGSERIAL: "BIGINT AUTO_INCREMENT PRIMARY KEY",
  },
  maxParameters: 65535,
  maxIdentifierLength: 64,
  // USE switches the database; GET_LOCK holds a lock and `@v := ...` / `INTO @v` set user variables past the statement.
  sessionState: sessionStatePattern(["USE", "UNLOCK", "RESET"], ["\\bGET_LOCK\\b", "@\\w+\\s*:=", "\\bINTO\\s+@"]),
  packetLimitSql: "SELECT @@max_allowed_packet",
  begin: (o: TransactionOptions) => {
    const statements: string[] = [];
    if (o.isolation) statements.push(`SET TRANSACTION ISOLATION LEVEL ${o.isolation.toUpperCase()}`);
    statements.push(o.readOnly ? "START TRANSACTION READ ONLY" : "START TRANSACTION");
    return statements;
  },
  insertDefaults: "() VALUES ()",
  // `key = LAST_INSERT_ID(key)` makes the driver report the existing row's key on the update path.
  upsertClause: (conflict, update, key) => {
    const sets = update.map((c) => `${c} = VALUES(${c})`);
    if (key !== undefined) sets.unshift(`${key} = LAST_INSERT_ID(${key})`);
    if (sets.length === 0) sets.push(`${conflict[0]} = ${conflict[0]}`);
    return ` ON DUPLICATE KEY UPDATE ${sets.join(", ")}`;
  },
  serverVersionSql: "SELECT VERSION()",
  mapError,
  responseStatusCode,
  replication: mariadbReplication,
  migrationLock: {
    acquire: "SELECT GET_LOCK(CONCAT('polysql_migrate.', LEFT(COALESCE(DATABASE(), ''), 48)), 0)",
    release: "SELECT RELEASE_LOCK(CONCAT('polysql_migrate.', LEFT(COALESCE(DATABASE(), ''), 48)))",
  },
  introspection: {
    tablesSql: "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = DATABASE() AND table_type = 'BASE TABLE'",
    // MariaDB reports a NULL default as the text NULL (a string default is quoted: 'NULL').
    columnsSql: `SELECT column_name AS name, column_type AS type, is_nullable = 'YES' AS nullable, NULLIF(column_default, 'NULL') AS default_value
      FROM information_schema.columns WHERE table_schema = DATABASE() AND table_name = :table ORDER BY ordinal_position`,
  },
};

/**
 * MySQL/MariaDB facts under polysql's portable session profile, the default: the same engine,
 * lexed as the session's sql_mode (ANSI_QUOTES, PIPES_AS_CONCAT, NO_BACKSLASH_ESCAPES) reads it.
 */
export const mysqlDialect: Dialect = { ...mysqlNativeDialect, syntax: PORTABLE_SYNTAX };
