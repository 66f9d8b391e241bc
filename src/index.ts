export { connect, type ConnectOptions } from "./connect.js";
export { Database, type HealthReport } from "./database.js";
export { Transaction } from "./transaction.js";
export { Connection } from "./connection.js";
export type { ExecuteResult, Params, Query, StreamOptions } from "./queryable.js";
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
export { registerBackend, unregisterBackend, backends, type BackendInfo } from "./registry.js";
export type {
  BackendDefinition,
  Capabilities,
  Dialect,
  DriverConnection,
  DriverResult,
  IsolationLevel,
  MappedError,
  MigrationLockSql,
  Row,
  TransactionOptions,
} from "./backend.js";
export type { PoolOptions } from "./pool/pool-options.js";
export type { PoolMetrics } from "./pool/pool.js";
export type { BigintMode } from "./decoders.js";
export { redactUrl } from "./redact.js";
export { json } from "./values.js";
export * from "./migrate/index.js";
