/**
 * The backend author's kit, imported as `polysql/backend`: the contract a
 * backend implements (a driver connection, a dialect as data, a definition to
 * register), the value conventions every driver follows, and helpers.
 * Applications import `polysql`; a backend is checked with `polysql/conformance`.
 *
 * @example
 * import { registerBackend, type BackendDefinition } from "polysql/backend";
 * registerBackend(myBackend satisfies BackendDefinition<MyConfig>);
 */
export {
  PORTABLE_TYPES,
  type BackendDefinition,
  type Capabilities,
  type DescribedColumn,
  type Dialect,
  type DriverArrayResult,
  type DriverConnection,
  type DriverQueryOptions,
  type DriverResult,
  type DriverStreamOptions,
  type IntrospectionSql,
  type IsolationLevel,
  type MappedError,
  type MigrationLockSql,
  type PortableType,
  type ReplicationFacts,
  type ResultColumn,
  type Row,
  type RowMode,
  type StatementDescription,
  type TransactionOptions,
} from "./contract/index.js";
export { registerBackend, unregisterBackend, backends, backendByName, backendForScheme, type BackendInfo } from "./registry.js";
export { sessionStatePattern } from "./kit/session-state.js";
export type { SqlSyntax } from "../sql/syntax.js";
export { bigintDecoder, decodeUtcTimestamp, type BigintMode, type ValueOptions } from "../values/decoders.js";
export { decodeValues, makeRow, type Columns } from "../values/rows.js";
export { pgTypeName } from "./kit/pg-type-names.js";
export { splitStatements } from "../sql/split-statements.js";
export { translateTypes } from "../sql/translate-types.js";
