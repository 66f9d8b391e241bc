import { tlsCheckOf } from "../kit/tls-errors.js";
import type { TlsMode, TlsSettings } from "../kit/tls-options.js";
import type { PostgresConfig } from "./postgres-config.js";

/**
 * libpq's TLS rules for one connection to `host`: the mode comes from `sslmode`,
 * else `PGSSLMODE`, else `disable`; `require` with `sslrootcert` checks the chain
 * like `verify-ca`; a Unix-domain socket never uses TLS.
 */
export function postgresTlsSettings(config: PostgresConfig, host: string): TlsSettings {
  const asked = (config.sslmode ?? process.env.PGSSLMODE ?? "disable") as TlsMode;
  let mode = asked;
  if (host.startsWith("/")) mode = "disable";
  else if (asked === "require" && config.sslrootcert !== undefined) mode = "verify-ca";
  return { mode, ca: config.sslrootcert, cert: config.sslcert, key: config.sslkey, label: `sslmode=${asked}` };
}

/**
 * Whether `prefer` retries in plaintext, as libpq does: after the server
 * refused TLS, after a failed handshake, or when the server rejected the
 * encrypted attempt (SQLSTATE 28000, e.g. a `hostnossl` pg_hba line).
 */
export function pgRetryWithoutTls(err: unknown): boolean {
  const check = tlsCheckOf(err);
  return check === "refused" || check === "handshake" || (err as { code?: unknown })?.code === "28000";
}
