import type { BackendDefinition } from "../contract/index.js";
import { MYSQL_CONFIG_KEYS, parseMysqlUrl, validateMysqlConfig, type MysqlConfig } from "./mysql-config.js";
import { mysqlDialect, mysqlNativeDialect } from "./mysql-dialect.js";
import { connectMysql } from "./mysql-driver.js";

/** MySQL and MariaDB through the `mariadb` connector. */
export const mysqlBackend: BackendDefinition<MysqlConfig> = {
  name: "mysql",
  schemes: ["mysql", "mariadb"],
  version: "1.0.0",
  driverPackages: ["mariadb"],
  dialect: mysqlDialect,
  // The session profile decides how the engine reads "...", || and backslashes.
  dialectFor: (config) => (config.sqlMode === "native" ? mysqlNativeDialect : mysqlDialect),
  configKeys: MYSQL_CONFIG_KEYS,
  parseUrl: parseMysqlUrl,
  validateConfig: validateMysqlConfig,
  connect: connectMysql,
  identify: (config, serverVersion) => ({
    system: serverVersion?.toLowerCase().includes("mariadb") ? "mariadb" : "mysql",
    namespace: config.database,
    address: config.host,
    port: config.port,
  }),
};
