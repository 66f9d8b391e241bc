export { connect, type ConnectOptions } from "./connect.js";
export { Database, type HealthReport } from "./database.js";
export { Transaction } from "./transaction.js";
export { Connection } from "./connection.js";
export type { ExecuteResult, Params, Query, StreamOptions } from "./queryable.js";
export type { ColumnInfo } from "./crud/introspection.js";
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
export { registerBackend, unregisterBackend, backends, backendByName, type BackendInfo } from "./dialects/registry.js";
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
} from "./dialects/contract/index.js";
export type { SqlSyntax } from "./sql/index.js";
// For backend authors: the value conventions every driver follows.
export { bigintDecoder, decodeUtcTimestamp, type ValueOptions } from "./values/decoders.js";
export { makeRow, type Columns } from "./values/rows.js";
export type { PoolOptions } from "./pool/pool-options.js";
export type { PoolMetrics } from "./pool/pool.js";
export type { BigintMode } from "./values/decoders.js";
export { redactUrl } from "./config/redact.js";
export type { BackendOptions, Secret } from "./config/credentials.js";
export { json } from "./values/encoders.js";
export * from "./migrate/index.js";
