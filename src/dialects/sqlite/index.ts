import type { BackendDefinition } from "../contract/index.js";
import { parseSqliteUrl, SQLITE_CONFIG_KEYS, type SqliteConfig } from "./sqlite-config.js";
import { sqliteDialect } from "./sqlite-dialect.js";
import { connectSqlite } from "./sqlite-driver.js";

/** The embedded default: SQLite through better-sqlite3, one connection (one writer), callers queued. */
export const sqliteBackend: BackendDefinition<SqliteConfig> = {
  name: "sqlite",
  schemes: ["sqlite", "sqlite3", "file"],
  version: "1.0.0",
  driverPackages: ["better-sqlite3"],
  dialect: sqliteDialect,
  configKeys: SQLITE_CONFIG_KEYS,
  parseUrl: parseSqliteUrl,
  connect: connectSqlite,
  identify: (config) => ({ system: "sqlite", namespace: config.filename }),
};
