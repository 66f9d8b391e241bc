import type { Secret } from "../../config/credentials.js";
import { unknownOptionMessage } from "../../config/options.js";
import { ConfigError } from "../../errors.js";
import type { TlsSettings } from "../kit/tls-options.js";

/** The MySQL client's `--ssl-mode` values, and the libpq mode each one means. */
const SSL_MODES = {
  DISABLED: "disable",
  PREFERRED: "prefer",
  REQUIRED: "require",
  VERIFY_CA: "verify-ca",
  VERIFY_IDENTITY: "verify-full",
} as const;
export type MysqlSslMode = keyof typeof SSL_MODES;

/**
 * `portable` (the default): each session's sql_mode adds ANSI_QUOTES, PIPES_AS_CONCAT and
 * NO_BACKSLASH_ESCAPES, so `"name"`, `||` and a backslash in a string mean what they mean on PostgreSQL and
 * SQLite. `native`: the server's own sql_mode, for existing MySQL-native SQL.
 */
export type MysqlSqlMode = "portable" | "native";
const SQL_MODES: readonly MysqlSqlMode[] = ["portable", "native"];

/** Settings of a MySQL/MariaDB connection. */
export interface MysqlConfig {
  host: string;
  port: number;
  user?: string;
  /** A function is called for every new connection (rotating tokens). */
  password?: Secret;
  database?: string;
  connectTimeoutMs?: number;
  /** The MySQL client's `--ssl-mode`; default `VERIFY_CA` when `sslCa` is given, else `DISABLED`. */
  sslMode?: MysqlSslMode;
  /** CA certificate(s) to trust: a file path or PEM text. */
  sslCa?: string;
  /** Client certificate (file path or PEM text), with `sslKey`. */
  sslCert?: string;
  /** Client private key (file path or PEM text), with `sslCert`. */
  sslKey?: string;
  /** The session profile: `portable` (default) or `native` (see `MysqlSqlMode`). */
  sqlMode?: MysqlSqlMode;
}

export const MYSQL_CONFIG_KEYS = [
  "host",
  "port",
  "user",
  "password",
  "database",
  "connectTimeoutMs",
  "sslMode",
  "sslCa",
  "sslCert",
  "sslKey",
  "sqlMode",
] as const;

/** URL parameter → config key (`ssl-mode` and `ssl_mode` alike, as MySQL option files accept both). */
const URL_PARAMS: Record<string, "sslMode" | "sslCa" | "sslCert" | "sslKey" | "sqlMode"> = {
  "ssl-mode": "sslMode",
  "ssl-ca": "sslCa",
  "ssl-cert": "sslCert",
  "ssl-key": "sslKey",
  "sql-mode": "sqlMode",
};

/**
 * Accepts `mysql://` and `mariadb://` URLs: `mysql://user:password@host:port/database`,
 * with `?connect_timeout=s` and the MySQL client's TLS options
 * `?ssl-mode=VERIFY_IDENTITY&ssl-ca=/etc/ssl/db-ca.pem` (`ssl-cert`, `ssl-key`), and
 * `?sql_mode=native` to keep the server's own sql_mode (the default is `portable`).
 */
export function parseMysqlUrl(url: string): MysqlConfig {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    // No cause: Node's URL error carries the input, password included.
    throw new ConfigError(`Not a valid MySQL URL (expected mysql://user:password@host:port/database)`);
  }
  if (parsed.protocol !== "mysql:" && parsed.protocol !== "mariadb:") {
    throw new ConfigError(`Not a MySQL/MariaDB URL scheme: ${parsed.protocol}`);
  }
  const config: MysqlConfig = {
    host: parsed.hostname.replace(/^\[(.*)\]$/, "$1") || "localhost",
    port: parsed.port ? Number(parsed.port) : 3306,
    user: parsed.username ? decodeURIComponent(parsed.username) : undefined,
    password: parsed.password ? decodeURIComponent(parsed.password) : undefined,
    database: parsed.pathname.length > 1 ? decodeURIComponent(parsed.pathname.slice(1)) : undefined,
  };
  for (const [key, value] of parsed.searchParams) {
    const option = URL_PARAMS[key.replaceAll("_", "-")];
    if (key === "connect_timeout") config.connectTimeoutMs = Number(value) * 1000;
    else if (option === "sslMode") config.sslMode = value.toUpperCase() as MysqlSslMode;
    else if (option === "sqlMode") config.sqlMode = value.toLowerCase() as MysqlSqlMode;
    else if (option !== undefined) config[option] = value;
    else throw new ConfigError(unknownOptionMessage("MySQL URL", key, ["connect_timeout", ...Object.keys(URL_PARAMS)]));
  }
  return config;
}

/** Checks the TLS options, the session profile and the password before any connection opens. */
export function validateMysqlConfig(config: MysqlConfig): void {
  if (config.sqlMode !== undefined && !SQL_MODES.includes(config.sqlMode)) {
    throw new ConfigError(`MySQL option "sqlMode" (URL sql_mode) must be one of ${SQL_MODES.join(", ")}, got ${JSON.stringify(config.sqlMode)}`);
  }
  if (config.sslMode !== undefined && !Object.hasOwn(SSL_MODES, config.sslMode)) {
    throw new ConfigError(`ssl-mode=${config.sslMode} is not one of ${Object.keys(SSL_MODES).join(", ")}`);
  }
  for (const key of ["sslCa", "sslCert", "sslKey"] as const) {
    if (config[key] !== undefined && (typeof config[key] !== "string" || config[key] === "")) {
      throw new ConfigError(`MySQL option "${key}" must be a file path or PEM text`);
    }
  }
  if (config.sslMode === "VERIFY_CA" && config.sslCa === undefined) {
    throw new ConfigError(`ssl-mode=VERIFY_CA needs ssl-ca (the CA to check the server's certificate against)`);
  }
  if ((config.sslCert === undefined) !== (config.sslKey === undefined)) {
    throw new ConfigError(`MySQL options ssl-cert and ssl-key go together (client certificate and its key)`);
  }
  if (config.password !== undefined && typeof config.password !== "string" && typeof config.password !== "function") {
    throw new ConfigError(`MySQL option "password" must be a string or a function returning one`);
  }
}

/**
 * The MySQL client's rules: without `ssl-mode`, `ssl-ca` implies `VERIFY_CA`
 * and no CA means `DISABLED`; an explicit `REQUIRED` does not check the
 * certificate even with `ssl-ca`.
 */
export function mysqlTlsSettings(config: MysqlConfig): TlsSettings {
  const asked: MysqlSslMode = config.sslMode ?? (config.sslCa !== undefined ? "VERIFY_CA" : "DISABLED");
  return { mode: SSL_MODES[asked], ca: config.sslCa, cert: config.sslCert, key: config.sslKey, label: `ssl-mode=${asked}` };
}
