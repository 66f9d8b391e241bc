// The plugin's one door into polysql: everything it uses comes through here, from
// polysql's public entry point. In this repository that is the source tree; the
// published package imports the same names from "polysql".
export {
  backendByName,
  bigintDecoder,
  ConfigError,
  DriverMissingError,
  makeRow,
  registerBackend,
  type BackendDefinition,
  type Columns,
  type Dialect,
  type DriverConnection,
  type DriverResult,
  type ErrorCode,
  type MappedError,
  type Row,
  type TransactionOptions,
  type ValueOptions,
} from "../../../src/index.js";
