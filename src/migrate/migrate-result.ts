import type { PolysqlError } from "../errors.js";
import type { MigrationError } from "./migration-error.js";

/** One migration run (or, in a dry run, planned) in one direction. */
export interface MigrationStep {
  version: string;
  description: string;
  /** The file that ran, e.g. `V001__create_users.sql` or `U001__create_users.sql`. */
  file: string;
  direction: "up" | "down";
  durationMs: number;
  /** With `dryRun`: the statements, translated for this engine. */
  statements?: string[];
}

/**
 * What `migrate()` and `down()` report. They do not throw for migration
 * problems: `ok` is false and `error` says why (a `MigrationError` naming the file,
 * or the engine error that stopped the run).
 */
export interface MigrateResult {
  ok: boolean;
  /** The engine, e.g. `"postgres"`. */
  engine: string;
  dryRun: boolean;
  /** Steps completed (or planned), in order. */
  steps: MigrationStep[];
  /** Every validation problem found before the run. */
  problems: MigrationError[];
  error?: PolysqlError;
}
