import { ConnectionError } from "../../errors.js";
import type { TlsSettings } from "./tls-options.js";

/** Which TLS check a connection failed. */
export type TlsCheck = "refused" | "untrusted_ca" | "host_mismatch" | "expired" | "handshake";

/** OpenSSL verification codes that mean "the chain does not lead to a CA we trust". */
const UNTRUSTED_CA = new Set([
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "CERT_UNTRUSTED",
  "CERT_SIGNATURE_FAILURE",
  "INVALID_CA",
  "CERT_CHAIN_TOO_LONG",
  "CERT_REJECTED",
]);
const EXPIRED = new Set(["CERT_HAS_EXPIRED", "CERT_NOT_YET_VALID"]);

const DESCRIPTIONS: Record<TlsCheck, string> = {
  refused: "TLS refused by the server (it does not offer TLS)",
  untrusted_ca: "TLS certificate check failed: untrusted CA (the server's certificate does not chain to a trusted CA)",
  host_mismatch: "TLS certificate check failed: host name mismatch (the server's certificate does not name this host)",
  expired: "TLS certificate check failed: the server's certificate is expired or not yet valid",
  handshake: "TLS handshake failed",
};

/** Which TLS check a driver error reports, or undefined when it is not a TLS failure. */
export function tlsCheckOf(err: unknown): TlsCheck | undefined {
  const e = err as { code?: unknown; errno?: unknown; message?: unknown; library?: unknown };
  const code = typeof e?.code === "string" ? e.code : "";
  const message = typeof e?.message === "string" ? e.message : "";
  // pg: the server answered the SSLRequest with 'N'; mariadb: the handshake lacks the SSL capability.
  if (message === "The server does not support SSL connections" || code === "ER_SERVER_SSL_DISABLED" || e?.errno === 45023) return "refused";
  if (code === "ERR_TLS_CERT_ALTNAME_INVALID") return "host_mismatch";
  if (UNTRUSTED_CA.has(code)) return "untrusted_ca";
  if (EXPIRED.has(code)) return "expired";
  if (/^ERR_(?:SSL|TLS)_/.test(code) || e?.library === "SSL routines" || message === "There was an error establishing an SSL connection") return "handshake";
  return undefined;
}

/**
 * A `connection_failure` (phase `connect`, not transient) that says which TLS
 * check failed, e.g. `Could not connect to postgres at 127.0.0.1:5432
 * (sslmode=verify-full): TLS certificate check failed: host name mismatch (...): <driver's detail>`.
 */
export function tlsConnectionError(engine: string, address: string, settings: TlsSettings, check: TlsCheck, cause: unknown): ConnectionError {
  const detail = check === "refused" ? "" : `: ${String((cause as Error)?.message ?? cause)}`;
  return new ConnectionError(`Could not connect to ${engine} at ${address} (${settings.label}): ${DESCRIPTIONS[check]}${detail}`, {
    phase: "connect",
    engine,
    engineCode: `tls_${check}`,
    transient: false,
    cause,
  });
}
