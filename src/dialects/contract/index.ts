/**
 * The backend contract: what a plugin implements to add an engine. A
 * `BackendDefinition` (backend-definition.ts) names the engine, parses its URLs
 * and opens `DriverConnection`s (driver.ts); its `Dialect` (dialect.ts) holds the
 * engine's facts as data.
 */
export type { BackendDefinition } from "./backend-definition.js";
export {
  OPTIONAL_CAPABILITIES,
  REQUIRED_CAPABILITIES,
  type Capabilities,
  type Dialect,
  type IntrospectionSql,
  type IsolationLevel,
  type MappedError,
  type MigrationLockSql,
  type ReplicationFacts,
  type TransactionOptions,
} from "./dialect.js";
export type {
  DescribedColumn,
  DriverArrayResult,
  DriverConnection,
  DriverQueryOptions,
  DriverResult,
  DriverStreamOptions,
  ResultColumn,
  Row,
  RowMode,
  StatementDescription,
} from "./driver.js";
export { PORTABLE_TYPES, type PortableType } from "../../sql/portable-types.js";
