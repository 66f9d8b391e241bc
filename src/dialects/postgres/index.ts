import type { BackendDefinition } from "../contract/index.js";
import { parsePostgresUrl, POSTGRES_CONFIG_KEYS, validatePostgresConfig, type PostgresConfig } from "./postgres-config.js";
import { postgresDialect } from "./postgres-dialect.js";
import { connectPostgres } from "./postgres-driver.js";

/** PostgreSQL through `pg` (streams through `pg-cursor`). */
export const postgresBackend: BackendDefinition<PostgresConfig> = {
  name: "postgres",
  schemes: ["postgres", "postgresql"],
  version: "1.0.0",
  driverPackages: ["pg", "pg-cursor"],
  dialect: postgresDialect,
  configKeys: POSTGRES_CONFIG_KEYS,
  parseUrl: parsePostgresUrl,
  validateConfig: validatePostgresConfig,
  connect: connectPostgres,
  identify: (config) => {
    const url = new URL(config.connectionString);
    const database = decodeURIComponent(url.pathname.slice(1));
    const host = url.hostname.replace(/^\[(.*)\]$/, "$1");
    return { system: "postgresql", namespace: database || undefined, address: host || "localhost", port: url.port ? Number(url.port) : 5432 };
  },
};
