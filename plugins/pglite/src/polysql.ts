// The plugin's one door into polysql: everything it uses comes through here, from
// polysql's public entry point. In this repository that is the source tree; the
// published package imports the same names from "polysql" and "polysql/backend".
export {
  ConfigError,
  DriverMissingError,
  registerBackend,
  type Dialect,
  type ErrorCode,
  type Row,
  type TransactionOptions,
} from "../../../src/index.js";
export {
  backendByName,
  bigintDecoder,
  makeRow,
  pgTypeName,
  type BackendDefinition,
  type Columns,
  type DriverArrayResult,
  type DriverConnection,
  type DriverQueryOptions,
  type DriverResult,
  type DriverStreamOptions,
  type MappedError,
  type ResultColumn,
  type ValueOptions,
} from "../../../src/dialects/index.js";
