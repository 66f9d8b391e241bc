import type { Dialect, MappedError } from "../dialects/contract/index.js";
import { ConnectionError, engineError, PolysqlError } from "../errors.js";
import { scrubSecrets } from "../config/credentials.js";

/** Where a driver error happened. */
export interface DriverErrorContext {
  /** The statement that failed (never its values). */
  sql?: string;
  /** Opening the connection failed: nothing was sent, and the message must not carry these secrets. */
  connecting?: { secrets: readonly string[] };
}

/**
 * Translates whatever a driver throws into polysql's taxonomy with the
 * dialect's `mapError`: an error the dialect does not know is `unknown`, still
 * typed. A failure to connect is a `connection_failure` in the `connect` phase
 * whose message and stack never hold the password.
 */
export function driverError(dialect: Dialect, engine: string, err: unknown, context: DriverErrorContext = {}): PolysqlError {
  const secrets = context.connecting?.secrets;
  if (err instanceof PolysqlError) {
    if (secrets !== undefined) {
      err.message = scrubSecrets(err.message, secrets);
      if (err.stack !== undefined) err.stack = scrubSecrets(err.stack, secrets);
    }
    return err;
  }
  const mapped = dialect.mapError(err);
  if (secrets !== undefined) {
    return new ConnectionError(`Could not connect to ${engine}: ${scrubSecrets(String((err as Error)?.message ?? err), secrets)}`, {
      ...mapped,
      phase: "connect",
      engine,
      cause: err,
      transient: mapped === undefined || mapped.code === "connection_failure",
    });
  }
  const { code, notSent, ...details }: MappedError = mapped ?? { code: "unknown" };
  const e = err as { text?: unknown; message?: unknown };
  const message = typeof e.text === "string" ? e.text : String(e.message ?? err);
  const phase = code === "connection_failure" ? (notSent ? "connect" : "query") : undefined;
  return engineError(code, message, { ...details, sql: context.sql, engine, cause: err, phase });
}
