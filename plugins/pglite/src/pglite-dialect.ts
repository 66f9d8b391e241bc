import type { Dialect, ErrorCode, MappedError, TransactionOptions } from "./polysql.js";

/** SQLSTATE → polysql error code; PGlite raises PostgreSQL's own errors. */
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
};
const SQLSTATE_CLASS: Record<string, ErrorCode> = { "08": "connection_failure", "22": "data_exception", "42": "syntax_error" };

function mapError(err: unknown): MappedError | undefined {
  const e = err as { code?: unknown; constraint?: string; table?: string; column?: string };
  if (typeof e?.code !== "string" || !/^[0-9A-Z]{5}$/.test(e.code)) return undefined;
  const code = SQLSTATE[e.code] ?? SQLSTATE_CLASS[e.code.slice(0, 2)] ?? "unknown";
  return { code, engineCode: e.code, constraint: e.constraint, table: e.table, column: e.column };
}

/**
 * PGlite's facts: PostgreSQL's SQL, types and errors, in one process with one
 * connection, so no two transactions ever meet (no deadlocks, no serialization failures).
 */
export const pgliteDialect: Dialect = {
  name: "pglite",
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
    concurrentConnections: false,
    deadlockDetection: false,
    serializationFailures: false,
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
  begin: (o: TransactionOptions) => [`BEGIN${o.isolation ? ` ISOLATION LEVEL ${o.isolation.toUpperCase()}` : ""}${o.readOnly ? " READ ONLY" : ""}`],
  insertDefaults: "DEFAULT VALUES",
  upsertClause: (conflict, update) =>
    ` ON CONFLICT (${conflict.join(", ")}) DO UPDATE SET ${(update.length > 0 ? update : conflict.slice(0, 1)).map((c) => `${c} = excluded.${c}`).join(", ")}`,
  serverVersionSql: "SHOW server_version",
  mapError,
  // One connection: the advisory lock is always free, but it keeps `migrate` honest if that changes.
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
