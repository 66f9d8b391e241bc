import { readFileSync } from "node:fs";
import { isIP } from "node:net";
import tls, { type ConnectionOptions } from "node:tls";
import { ConfigError } from "../../errors.js";

/**
 * What a connection asks of TLS, in libpq's terms; each engine maps its own
 * spelling (`sslmode=`, `ssl-mode=`) onto one of these.
 * - `disable`: plaintext only.
 * - `prefer`: TLS without certificate checks if the server offers it, else plaintext.
 * - `require`: TLS or fail; the certificate is not checked.
 * - `verify-ca`: TLS, and the certificate must chain to a trusted CA; the host name is not checked.
 * - `verify-full`: TLS, trusted CA, and the certificate must name the host connected to.
 */
export type TlsMode = "disable" | "prefer" | "require" | "verify-ca" | "verify-full";

/** The effective TLS settings of one connection; `ca`, `cert`, `key` are PEM text or file paths. */
export interface TlsSettings {
  mode: TlsMode;
  ca?: string;
  cert?: string;
  key?: string;
  /** How the user spelled the mode (`sslmode=verify-full`), for messages. */
  label: string;
}

/** Reads PEM text given inline (`-----BEGIN ...`) or as a file path; `what` names the option in errors. */
export function readPem(value: string, what: string): string {
  if (value.trimStart().startsWith("-----BEGIN")) return value;
  try {
    return readFileSync(value, "utf8");
  } catch (cause) {
    throw new ConfigError(`${what}: cannot read ${value} (${(cause as NodeJS.ErrnoException).code ?? "unreadable"})`, { cause });
  }
}

/**
 * Node `tls.connect` options for a mode (undefined for `disable`). `verify-full`
 * checks the certificate against `host` during the handshake, before any
 * credentials are sent; without a CA it trusts Node's bundled root CAs.
 */
export function tlsConnectOptions(settings: TlsSettings, host: string): ConnectionOptions | undefined {
  const { mode } = settings;
  if (mode === "disable") return undefined;
  const options: ConnectionOptions = {};
  if (settings.cert !== undefined) options.cert = readPem(settings.cert, `${settings.label}: client certificate`);
  if (settings.key !== undefined) options.key = readPem(settings.key, `${settings.label}: client key`);
  if (mode === "prefer" || mode === "require") return { ...options, rejectUnauthorized: false };
  options.rejectUnauthorized = true;
  // An explicit list (Node's roots when none is given) also keeps the mariadb connector
  // from relaxing verification for its self-signed fingerprint handshake.
  options.ca = settings.ca === undefined || settings.ca === "system" ? [...tls.rootCertificates] : readPem(settings.ca, `${settings.label}: CA`);
  if (mode === "verify-ca") {
    options.checkServerIdentity = () => undefined;
  } else {
    options.checkServerIdentity = (_servername, cert) => tls.checkServerIdentity(host, cert);
    if (isIP(host) === 0) options.servername = host;
  }
  return options;
}
