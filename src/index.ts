/**
 * polysql for applications: connect, query, transactions, CRUD, migrations,
 * errors, and every type those take or return. Backend authors import
 * `polysql/backend`; the conformance kit is `polysql/conformance`.
 */
export { connect, type ConnectOptions, type Pooler } from "./connect.js";
export { Database, type HealthReport } from "./database.js";
export { Transaction } from "./transaction.js";
export { Connection } from "./connection.js";
export type { QueryEvent, QueryHook } from "./telemetry/query-event.js";
export type { TelemetryOptions } from "./telemetry/otel.js";
export type { Queryable, ArrayStream, ExecuteResult, Params, Query, QueryResult, StreamOptions } from "./queryable.js";
export type { DuplicateColumns } from "./session/result-shape.js";
export {
  PolysqlError,
  ConfigError,
  ConnectionError,
  ConstraintError,
  DriverMissingError,
  NotFoundError,
  ParameterError,
  PoolError,
  PoolerModeError,
  QueryError,
  type ErrorCode,
  type ErrorDetails,
} from "./errors.js";
export { sql, SqlQuery, SqlIdentifier, isSqlQuery, quoteIdentifier, compile, type CompiledQuery, type SqlParams } from "./sql/index.js";
export { json, JsonValue } from "./values/encoders.js";
export type { BigintMode } from "./values/decoders.js";
export type { Dialect, IsolationLevel, ResultColumn, Row, RowMode, TransactionOptions } from "./dialects/contract/index.js";
export { registerBackend, unregisterBackend, backends, type BackendInfo } from "./dialects/registry.js";
export type { ColumnInfo } from "./crud/introspection.js";
export type { KeyOptions, UpsertOptions } from "./crud/crud.js";
export type { InsertManyOptions } from "./crud/insert-many.js";
export type { Table, TableOptions, ListOptions, OrderBy, Page } from "./crud/table.js";
export type { Where } from "./crud/where.js";
export type { PoolOptions } from "./pool/pool-options.js";
export type { PoolMetrics } from "./pool/pool.js";
export type { NodeHealth, NodeMetrics, NodeRole, NodeState, ReadYourWritesMetrics } from "./cluster/replica-set.js";
export type { BreakerOptions } from "./pool/circuit-breaker.js";
export type { RetryOptions } from "./session/retry.js";
export type { BackendOptions, Secret } from "./config/credentials.js";
export { redactUrl } from "./config/redact.js";
export { PortabilityError } from "./check/portability-error.js";
export type { PortabilityMode } from "./check/portability-guard.js";
export {
  migrate,
  migrateDown,
  migrationStatus,
  validateMigrations,
  repairMigrations,
  newMigration,
  loadMigrations,
} from "./migrate/lazy-entry.js";
export type {
  MigrationState,
  MigrationStatus,
  StatusResult,
  RepairResult,
  MigrateOptions,
  DownOptions,
  MigrationOptions,
  MigrateResult,
  MigrationStep,
  MigrationProblem,
  Migration,
  MigrationScript,
} from "./migrate/index.js";
export { MigrationError } from "./migrate/migration-error.js";
