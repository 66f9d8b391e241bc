import type { Secret } from "../../config/credentials.js";
import { ConfigError } from "../../errors.js";

/** libpq's `sslmode` values that polysql implements (libpq's `allow` is not one of them). */
export const SSL_MODES = ["disable", "prefer", "require", "verify-ca", "verify-full"] as const;
export type PostgresSslMode = (typeof SSL_MODES)[number];

/** Settings of a PostgreSQL connection. */
export interface PostgresConfig {
  /** `postgres://user:password@host:port/database?...`, as libpq reads it. */
  connectionString: string;
  /** Overrides the URL's password; a function is called for every new connection (rotating tokens). */
  password?: Secret;
  /** libpq's TLS mode; default `PGSSLMODE` from the environment, else `disable`. */
  sslmode?: PostgresSslMode;
  /** CA certificate(s) to trust: a file path, PEM text, or `system` (Node's root CAs). */
  sslrootcert?: string;
  /** Client certificate (file path or PEM text), with `sslkey`. */
  sslcert?: string;
  /** Client private key (file path or PEM text), with `sslcert`. */
  sslkey?: string;
  connectTimeoutMs?: number;
  statementTimeoutMs?: number;
  applicationName?: string;
  /**
   * Prepare parameterized statements once per connection as named server-side statements
   * (default true). `connect({ pooler: "transaction" })` turns it off: behind PgBouncer in
   * transaction mode a named statement prepared on one server connection is missing on the next.
   */
  preparedStatements?: boolean;
}

export const POSTGRES_CONFIG_KEYS = [
  "connectionString",
  "password",
  "sslmode",
  "sslrootcert",
  "sslcert",
  "sslkey",
  "connectTimeoutMs",
  "statementTimeoutMs",
  "applicationName",
  "preparedStatements",
] as const;

/** URL parameters polysql reads itself instead of passing them to `pg`. */
const TLS_PARAMS = ["sslmode", "sslrootcert", "sslcert", "sslkey"] as const;

/**
 * Accepts `postgres://` and `postgresql://` URLs with libpq's TLS parameters:
 * `?sslmode=verify-full&sslrootcert=/etc/ssl/db-ca.pem` (`sslcert`, `sslkey` for a client certificate).
 */
export function parsePostgresUrl(url: string): PostgresConfig {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    // No cause: Node's URL error carries the input, password included.
    throw new ConfigError(`Not a valid PostgreSQL URL (expected postgres://user:password@host:port/database)`);
  }
  if (parsed.protocol !== "postgres:" && parsed.protocol !== "postgresql:") {
    throw new ConfigError(`Not a PostgreSQL URL scheme: ${parsed.protocol}`);
  }
  for (const key of ["ssl", "uselibpqcompat"]) {
    if (parsed.searchParams.has(key)) {
      throw new ConfigError(`PostgreSQL URL option "${key}" is not supported: use sslmode=${SSL_MODES.join("|")} (with sslrootcert, sslcert, sslkey)`);
    }
  }
  const config: PostgresConfig = { connectionString: url, applicationName: "polysql" };
  for (const key of TLS_PARAMS) {
    const value = parsed.searchParams.get(key);
    if (value !== null) (config as unknown as Record<string, string>)[key] = value;
  }
  return config;
}

/** Checks the TLS options (from the URL, the options object, or `PGSSLMODE`) before any connection opens. */
export function validatePostgresConfig(config: PostgresConfig): void {
  const mode = config.sslmode ?? process.env.PGSSLMODE;
  const where = config.sslmode === undefined ? "PGSSLMODE" : "sslmode";
  if (mode !== undefined && !(SSL_MODES as readonly string[]).includes(mode)) {
    throw new ConfigError(`${where}=${mode} is not one of ${SSL_MODES.join(", ")}`);
  }
  for (const key of ["sslrootcert", "sslcert", "sslkey"] as const) {
    if (config[key] !== undefined && (typeof config[key] !== "string" || config[key] === "")) {
      throw new ConfigError(`PostgreSQL option "${key}" must be a file path or PEM text`);
    }
  }
  if (mode === "verify-ca" && config.sslrootcert === undefined) {
    throw new ConfigError(`sslmode=verify-ca needs sslrootcert (the CA to check the server's certificate against)`);
  }
  if (config.sslrootcert === "system" && mode !== "verify-full") {
    throw new ConfigError(`sslrootcert=system needs sslmode=verify-full (a public CA vouches for many servers, so the host name must be checked)`);
  }
  if ((config.sslcert === undefined) !== (config.sslkey === undefined)) {
    throw new ConfigError(`PostgreSQL options sslcert and sslkey go together (client certificate and its key)`);
  }
  if (config.password !== undefined && typeof config.password !== "string" && typeof config.password !== "function") {
    throw new ConfigError(`PostgreSQL option "password" must be a string or a function returning one`);
  }
  if (config.preparedStatements !== undefined && typeof config.preparedStatements !== "boolean") {
    throw new ConfigError(`PostgreSQL option "preparedStatements" must be true or false`);
  }
}

/**
 * The connection string to hand to `pg`: without the TLS parameters (polysql
 * applies them) and with the resolved password, which `pg` would otherwise
 * take from the URL over an explicit one.
 */
export function pgConnectionString(config: PostgresConfig): { connectionString: string; host: string; port: string } {
  const url = new URL(config.connectionString);
  for (const key of TLS_PARAMS) url.searchParams.delete(key);
  if (typeof config.password === "string") url.password = encodeURIComponent(config.password);
  const host = url.searchParams.get("host") ?? decodeURIComponent(url.hostname.replace(/^\[(.*)\]$/, "$1"));
  return { connectionString: url.toString(), host: host || "localhost", port: url.searchParams.get("port") ?? (url.port || "5432") };
}
