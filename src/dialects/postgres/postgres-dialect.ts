import type { Dialect, MappedError, TransactionOptions } from "../contract/index.js";
import type { ErrorCode } from "../../errors.js";
import { onConflictUpdate } from "../kit/on-conflict.js";
import { sessionStatePattern } from "../kit/session-state.js";
import { failedWrite, networkErrorCode } from "../kit/network-errors.js";
import { postgresReplication } from "./postgres-replication.js";

const SQLSTATE: Record<string, ErrorCode> = {
  "23505": "unique_violation",
  "23503": "foreign_key_violation",
  "23502": "not_null_violation",
  "23514": "check_violation",
  "40001": "serialization_failure",
  "40P01": "deadlock",
  "55P03": "lock_timeout",
  "57014": "query_timeout",
  "42601": "syntax_error",
  "42P01": "undefined_table",
  "42703": "undefined_column",
  "42P07": "duplicate_object",
  "42710": "duplicate_object",
  "42501": "permission_denied",
  // read_only_sql_transaction: a write sent to a hot standby (or inside READ ONLY).
  "25006": "read_only",
  "57P01": "connection_failure",
  "57P02": "connection_failure",
  "57P03": "connection_failure",
  "53300": "connection_failure",
};

const SQLSTATE_CLASS: Record<string, ErrorCode> = { "08": "connection_failure", "22": "data_exception", "42": "syntax_error" };

function mapError(err: unknown): MappedError | undefined {
  const e = err as { code?: unknown; constraint?: string; table?: string; column?: string; message?: string };
  if (typeof e?.code === "string" && /^[0-9A-Z]{5}$/.test(e.code)) {
    let code = SQLSTATE[e.code] ?? SQLSTATE_CLASS[e.code.slice(0, 2)] ?? "unknown";
    // 57014 query_canceled: a cancel request ("due to user request") or statement_timeout.
    if (e.code === "57014" && !/statement timeout/.test(String(e.message ?? ""))) code = "query_cancelled";
    return { code, engineCode: e.code, constraint: e.constraint, table: e.table, column: e.column };
  }
  const network = networkErrorCode(err);
  if (network === undefined) return undefined;
  // pg refuses a query on a client it knows is broken: nothing was sent.
  const notSent = failedWrite(err) || /and is not queryable$/.test(String(e?.message ?? ""));
  return { code: "connection_failure", engineCode: network, notSent };
}

/** PostgreSQL's facts: `$n` placeholders, dollar quoting, transactional DDL. */
export const postgresDialect: Dialect = {
  name: "postgres",
  syntax: {
    name: "postgres",
    placeholders: "dollar",
    identifierQuote: '"',
    backslashEscapes: false,
    doubleQuotedStrings: false,
    backtickIdentifiers: false,
    bracketIdentifiers: false,
    dollarQuotes: true,
    escapeStrings: true,
    hashComments: false,
    nestedBlockComments: true,
  },
  capabilities: {
    returning: true,
    transactionalDdl: true,
    savepoints: true,
    concurrentConnections: true,
    deadlockDetection: true,
    serializationFailures: true,
    strictTypes: true,
  },
  types: {
    INTEGER: "INTEGER",
    BIGINT: "BIGINT",
    DECIMAL: "NUMERIC",
    BOOLEAN: "BOOLEAN",
    TEXT: "TEXT",
    VARCHAR: "VARCHAR",
    JSON: "JSONB",
    UUID: "UUID",
    TIMESTAMP: "TIMESTAMPTZ(3)",
    DATE: "DATE",
    BYTES: "BYTEA",
    SERIAL: "SERIAL PRIMARY KEY",
    BIGSERIAL: "BIGSERIAL PRIMARY KEY",
  },
  maxParameters: 65535,
  maxIdentifierLength: 63,
  // RESET, LISTEN and DISCARD change the session; advisory locks and set_config() hold state past the statement.
  sessionState: sessionStatePattern(["RESET", "LISTEN", "UNLISTEN", "DISCARD"], ["advisory_lock", "set_config"]),
  begin: (o: TransactionOptions) => {
    let sql = "BEGIN";
    if (o.isolation) sql += ` ISOLATION LEVEL ${o.isolation.toUpperCase()}`;
    if (o.readOnly) sql += " READ ONLY";
    return [sql];
  },
  insertDefaults: "DEFAULT VALUES",
  upsertClause: onConflictUpdate,
  serverVersionSql: "SHOW server_version",
  mapError,
  replication: postgresReplication,
  migrationLock: {
    acquire: "SELECT pg_try_advisory_lock(hashtext('polysql_migrate'))",
    release: "SELECT pg_advisory_unlock(hashtext('polysql_migrate'))",
  },
  introspection: {
    tablesSql: "SELECT tablename AS name FROM pg_catalog.pg_tables WHERE schemaname = current_schema()",
    columnsSql: `SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type, NOT a.attnotnull AS nullable,
      pg_get_expr(d.adbin, d.adrelid) AS default_value
      FROM pg_catalog.pg_attribute a
      JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
      JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
      LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
      WHERE n.nspname = current_schema() AND c.relname = :table AND c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped
      ORDER BY a.attnum`,
  },
};
