import { ConfigError } from "../../errors.js";

/** Settings of a PostgreSQL connection. */
export interface PostgresConfig {
  /** `postgres://user:password@host:port/database?...`, as libpq reads it. */
  connectionString: string;
  connectTimeoutMs?: number;
  statementTimeoutMs?: number;
  applicationName?: string;
}

export const POSTGRES_CONFIG_KEYS = ["connectionString", "connectTimeoutMs", "statementTimeoutMs", "applicationName"] as const;

/** Accepts `postgres://` and `postgresql://` URLs. */
export function parsePostgresUrl(url: string): PostgresConfig {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (cause) {
    throw new ConfigError(`Not a valid PostgreSQL URL (expected postgres://user:password@host:port/database)`, { cause });
  }
  if (parsed.protocol !== "postgres:" && parsed.protocol !== "postgresql:") {
    throw new ConfigError(`Not a PostgreSQL URL scheme: ${parsed.protocol}`);
  }
  return { connectionString: url, applicationName: "polysql" };
}
