import type { ConnectionOptions } from "node:tls";
import { tlsCheckOf, tlsConnectionError } from "./tls-errors.js";
import { tlsConnectOptions, type TlsSettings } from "./tls-options.js";

/** How a driver opens one connection: with Node TLS options, or in plaintext (undefined). */
export type OpenWith<T> = (tls: ConnectionOptions | undefined) => Promise<T>;

/**
 * Opens a connection under a TLS mode: `prefer` retries in plaintext when
 * `retryPlain` says the TLS attempt failed for want of TLS; any other TLS
 * failure becomes a `connection_failure` that names the check that failed
 * (refused by the server, untrusted CA, host name mismatch, expired, handshake).
 */
export async function connectWithTls<T>(
  engine: string,
  address: { host: string; port: string | number },
  settings: TlsSettings,
  open: OpenWith<T>,
  retryPlain: (err: unknown) => boolean = (err) => ["refused", "handshake"].includes(tlsCheckOf(err) ?? ""),
): Promise<T> {
  const options = tlsConnectOptions(settings, address.host);
  try {
    return await open(options);
  } catch (err) {
    if (options === undefined) throw err;
    if (settings.mode === "prefer" && retryPlain(err)) return open(undefined);
    const check = tlsCheckOf(err);
    if (check !== undefined) throw tlsConnectionError(engine, `${address.host}:${address.port}`, settings, check, err);
    throw err;
  }
}
