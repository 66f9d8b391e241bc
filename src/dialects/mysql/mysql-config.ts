import { ConfigError } from "../../errors.js";

/** Settings of a MySQL/MariaDB connection. */
export interface MysqlConfig {
  host: string;
  port: number;
  user?: string;
  password?: string;
  database?: string;
  connectTimeoutMs?: number;
}

export const MYSQL_CONFIG_KEYS = ["host", "port", "user", "password", "database", "connectTimeoutMs"] as const;

/** Accepts `mysql://` and `mariadb://` URLs: `mysql://user:password@host:port/database`. */
export function parseMysqlUrl(url: string): MysqlConfig {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (cause) {
    throw new ConfigError(`Not a valid MySQL URL (expected mysql://user:password@host:port/database)`, { cause });
  }
  if (parsed.protocol !== "mysql:" && parsed.protocol !== "mariadb:") {
    throw new ConfigError(`Not a MySQL/MariaDB URL scheme: ${parsed.protocol}`);
  }
  for (const key of parsed.searchParams.keys()) {
    if (key !== "connect_timeout") throw new ConfigError(`Unknown MySQL URL option "${key}" (accepted: connect_timeout)`);
  }
  const timeout = parsed.searchParams.get("connect_timeout");
  return {
    host: parsed.hostname || "localhost",
    port: parsed.port ? Number(parsed.port) : 3306,
    user: parsed.username ? decodeURIComponent(parsed.username) : undefined,
    password: parsed.password ? decodeURIComponent(parsed.password) : undefined,
    database: parsed.pathname.length > 1 ? decodeURIComponent(parsed.pathname.slice(1)) : undefined,
    connectTimeoutMs: timeout === null ? undefined : Number(timeout) * 1000,
  };
}
