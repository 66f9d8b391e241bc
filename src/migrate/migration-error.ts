import { PolysqlError, type ErrorDetails } from "../errors.js";

/**
 * Why a migration run stopped. Validation problems (`changed`, `missing`,
 * `out_of_order`, `failed`, `bad_file`) are found before anything runs.
 */
export type MigrationProblem = "changed" | "missing" | "out_of_order" | "failed" | "bad_file" | "statement_failed" | "no_undo" | "lock_timeout" | "no_lock";

/** Problems that mean the files and the history disagree (the CLI's exit code 3). */
export const VALIDATION_PROBLEMS: ReadonlySet<MigrationProblem> = new Set(["changed", "missing", "out_of_order", "failed", "bad_file"]);

/** Details of a migration failure: the file, and for a failed statement its 1-based index. */
export interface MigrationErrorDetails extends ErrorDetails {
  file?: string;
  version?: string;
  statementIndex?: number;
}

/**
 * A migration problem, with code `migration_error` and a `reason`; the message
 * names the file.
 *
 * @example
 * const result = await migrate(db, { dir: "migrations" });
 * if (result.error instanceof MigrationError && result.error.reason === "changed") console.error(result.error.message);
 */
export class MigrationError extends PolysqlError {
  readonly reason: MigrationProblem;
  readonly file?: string;
  readonly version?: string;
  readonly statementIndex?: number;

  constructor(reason: MigrationProblem, message: string, details: MigrationErrorDetails = {}) {
    super("migration_error", message, { ...details, transient: reason === "lock_timeout" });
    this.reason = reason;
    if (details.file !== undefined) this.file = details.file;
    if (details.version !== undefined) this.version = details.version;
    if (details.statementIndex !== undefined) this.statementIndex = details.statementIndex;
  }
}
