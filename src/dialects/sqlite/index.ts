import type { BackendDefinition } from "../contract/index.js";
import { parseSqliteUrl, SQLITE_CONFIG_KEYS, sqliteReaders, validateSqliteConfig, type SqliteConfig } from "./sqlite-config.js";
import { sqliteDialect } from "./sqlite-dialect.js";
import { connectSqlite } from "./sqlite-driver.js";

/**
 * The embedded default: SQLite through better-sqlite3. One writer (the pool of one connection,
 * transactions with BEGIN IMMEDIATE) and, for a file, read-only readers under WAL.
 */
export const sqliteBackend: BackendDefinition<SqliteConfig> = {
  name: "sqlite",
  schemes: ["sqlite", "sqlite3", "file"],
  version: "1.0.0",
  driverPackages: ["better-sqlite3"],
  dialect: sqliteDialect,
  configKeys: SQLITE_CONFIG_KEYS,
  parseUrl: parseSqliteUrl,
  validateConfig: validateSqliteConfig,
  connect: connectSqlite,
  readers: sqliteReaders,
  identify: (config) => ({ system: "sqlite", namespace: config.filename }),
};
