import { PolysqlError } from "../errors.js";
import { MigrationError, VALIDATION_PROBLEMS } from "../migrate/migration-error.js";

/** The CLI's exit codes. */
export const EXIT = {
  ok: 0,
  /** A statement, the connection, or anything else failed. */
  failure: 1,
  /** Bad arguments, options or configuration. */
  usage: 2,
  /** The files and the history disagree: drift, missing file, out of order, unrepaired failure, bad file name. */
  validation: 3,
  /** Another migrator held the lock past the timeout. */
  lockTimeout: 4,
} as const;

/** A usage error: the CLI prints it with the help hint and exits 2. */
export class UsageError extends Error {}

/** The exit code for an error. */
export function exitCodeOf(err: unknown): number {
  if (err instanceof UsageError) return EXIT.usage;
  if (err instanceof MigrationError) {
    if (err.reason === "lock_timeout") return EXIT.lockTimeout;
    if (VALIDATION_PROBLEMS.has(err.reason)) return EXIT.validation;
    return EXIT.failure;
  }
  if (err instanceof PolysqlError && err.code === "config_error") return EXIT.usage;
  return EXIT.failure;
}
