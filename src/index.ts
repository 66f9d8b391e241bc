export { connect, type ConnectOptions } from "./connect.js";
export { Database, type HealthReport } from "./database.js";
export { Transaction } from "./transaction.js";
export { Connection } from "./connection.js";
export type { ExecuteResult, Params, Query, StreamOptions } from "./queryable.js";
export type { ColumnInfo } from "./introspection.js";
export { sql, SqlQuery, isSqlQuery, quoteIdentifier, compile, type CompiledQuery } from "./sql/index.js";
export {
  PolysqlError,
  ConfigError,
  ConnectionError,
  ConstraintError,
  DriverMissingError,
  NotFoundError,
  ParameterError,
  PoolError,
  QueryError,
  type ErrorCode,
} from "./errors.js";
export { registerBackend, unregisterBackend, backends, backendByName, type BackendInfo } from "./registry.js";
export {
  PORTABLE_TYPES,
  type BackendDefinition,
  type Capabilities,
  type Dialect,
  type DriverConnection,
  type DriverResult,
  type IntrospectionSql,
  type IsolationLevel,
  type MappedError,
  type MigrationLockSql,
  type PortableType,
  type Row,
  type TransactionOptions,
} from "./backend.js";
export type { SqlSyntax } from "./sql/index.js";
// For backend authors: the value conventions every driver follows.
export { bigintDecoder, decodeUtcTimestamp, type ValueOptions } from "./decoders.js";
export { makeRow, type Columns } from "./rows.js";
export type { PoolOptions } from "./pool/pool-options.js";
export type { PoolMetrics } from "./pool/pool.js";
export type { BigintMode } from "./decoders.js";
export { redactUrl } from "./redact.js";
export type { BackendOptions, Secret } from "./credentials.js";
export { json } from "./values.js";
export * from "./migrate/index.js";
