import type { Database } from "../database.js";
import { PolysqlError } from "../errors.js";
import { insertHistory, readHistory } from "./history.js";
import { checkOptions, type MigrateOptions } from "./migrate-options.js";
import type { MigrateResult, MigrationStep } from "./migrate-result.js";
import { MigrationError } from "./migration-error.js";
import { loadMigrations, type Migration } from "./migration-files.js";
import { withMigrationRun, type MigrationRun } from "./migration-run.js";
import { prepareScript } from "./prepare-script.js";
import { runScript } from "./run-script.js";
import { pendingMigrations, validateHistory } from "./validate-history.js";
import { compareVersions } from "./version.js";

/**
 * Applies pending migrations in version order, under the engine's migration
 * lock, after validating the files against the history. Never throws for a
 * migration problem: check `result.ok` and `result.error`.
 *
 * @example
 * const result = await migrate(db, { dir: "./migrations" });
 * if (!result.ok) throw result.error;
 */
export async function migrate(db: Database, options: MigrateOptions = {}): Promise<MigrateResult> {
  const opts = checkOptions("migrate", options);
  const result: MigrateResult = { ok: true, engine: db.engine, dryRun: opts.dryRun ?? false, steps: [], problems: [] };
  const selected = (all: Migration[]) => all.filter((m) => opts.to === undefined || compareVersions(m.version, opts.to) <= 0);
  try {
    if (opts.dryRun) {
      const dialect = db.dialect;
      const migrations = await loadMigrations(opts.dir, dialect.name);
      const history = await readHistory(db);
      result.problems = validateHistory(migrations, history, opts);
      if (result.problems.length > 0) return fail(result, result.problems[0]);
      for (const m of selected(pendingMigrations(migrations, history))) {
        result.steps.push({ ...stepOf(m), statements: prepareScript(dialect, m.up) });
      }
      return result;
    }
    return await withMigrationRun(db, opts.dir, opts.lockTimeoutMs, async (r) => {
      result.problems = validateHistory(r.migrations, r.history, opts);
      if (result.problems.length > 0) return fail(result, result.problems[0]);
      const pending = selected(pendingMigrations(r.migrations, r.history)).map((m) => ({ m, statements: prepareScript(r.dialect, m.up) }));
      return runSteps(
        result,
        // With telemetry, each migration is a span its statements are children of.
        pending.map(({ m, statements }) => ({
          step: stepOf(m),
          run: () => db.withSpan(`migrate ${m.version}`, { "polysql.migration.version": m.version }, () => applyUp(r, m, statements)),
        })),
        opts.onProgress,
      );
    });
  } catch (err) {
    return fail(result, err);
  }
}

/** Runs a migration's `up` script and records it in the history; returns the duration. */
function applyUp(r: MigrationRun, m: Migration, statements: string[]): Promise<number> {
  const record = { version: m.version, description: m.description, script: m.up.file, checksum: m.up.checksum, engine: r.dialect.name };
  return runScript({
    ...r,
    script: m.up,
    statements,
    onSuccess: (q, durationMs) => insertHistory(q, { ...record, appliedAt: new Date(), durationMs, success: true }),
    onPartialFailure: (q, failure, durationMs) =>
      insertHistory(q, {
        ...record,
        appliedAt: new Date(),
        durationMs,
        success: false,
        failedStatement: failure.statementIndex,
        failedSql: failure.sql,
        error: (failure.cause as Error | undefined)?.message ?? failure.message,
      }),
  });
}

/** A step for a migration's `up` script, not run yet. */
function stepOf(m: Migration): MigrationStep {
  return { version: m.version, description: m.description, file: m.up.file, direction: "up", durationMs: 0 };
}

/**
 * Runs migration steps in order with progress events; the first failed
 * statement stops the run and is recorded in the result.
 */
export async function runSteps(
  result: MigrateResult,
  steps: readonly { step: MigrationStep; run: () => Promise<number> }[],
  onProgress: MigrateOptions["onProgress"],
): Promise<MigrateResult> {
  for (const { step, run } of steps) {
    onProgress?.({ phase: "start", step });
    const stop = await settled(async () => {
      step.durationMs = Math.round(await run());
    });
    if (stop) return fail(result, stop);
    result.steps.push(step);
    onProgress?.({ phase: "done", step });
  }
  return result;
}

/**
 * Runs a step; a failed statement (already rolled back or recorded) is returned
 * so the lock is released normally and earlier migrations stay committed.
 */
export async function settled(fn: () => Promise<void>): Promise<MigrationError | undefined> {
  try {
    await fn();
    return undefined;
  } catch (err) {
    if (err instanceof MigrationError && err.reason === "statement_failed") return err;
    throw err;
  }
}

/** Marks a result failed with a polysql error (wrapping anything else). */
export function fail(result: MigrateResult, err: unknown): MigrateResult {
  result.ok = false;
  result.error = err instanceof PolysqlError ? err : new MigrationError("statement_failed", String((err as Error)?.message ?? err), { cause: err });
  return result;
}
