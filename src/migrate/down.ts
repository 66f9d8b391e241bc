import type { Database } from "../database.js";
import { deleteHistory, readHistory } from "./history.js";
import { fail, runSteps } from "./migrate.js";
import { checkOptions, type DownOptions } from "./migrate-options.js";
import type { MigrateResult, MigrationStep } from "./migrate-result.js";
import { MigrationError } from "./migration-error.js";
import { loadMigrations, type Migration } from "./migration-files.js";
import { withMigrationRun } from "./migration-run.js";
import { prepareScript } from "./prepare-script.js";
import { runScript } from "./run-script.js";
import { validateHistory } from "./validate-history.js";
import { compareVersions, versionKey } from "./version.js";
import type { HistoryRow } from "./history.js";

/**
 * Undoes the newest applied migrations (default one) with their `U` files,
 * newest first, deleting their history rows. Validates first, like `migrate`.
 *
 * @example const result = await down(db, { dir: "./migrations", steps: 2 });
 */
export async function down(db: Database, options: DownOptions = {}): Promise<MigrateResult> {
  const opts = checkOptions("down", options);
  const result: MigrateResult = { ok: true, engine: db.engine, dryRun: opts.dryRun ?? false, steps: [], problems: [] };
  const plan = (migrations: Migration[], history: HistoryRow[]) => {
    result.problems = validateHistory(migrations, history, { allowOutOfOrder: true });
    if (result.problems.length > 0) throw result.problems[0];
    const files = new Map(migrations.map((m) => [m.key, m]));
    const applied = history.filter((r) => r.success).sort((a, b) => compareVersions(b.version, a.version));
    return applied.slice(0, opts.steps ?? 1).map((row) => {
      const m = files.get(versionKey(row.version))!;
      if (m.down === undefined) {
        throw new MigrationError("no_undo", `${m.up.file} has no undo file (expected U${m.version}__${m.up.file.split("__")[1]?.split(".")[0]}.sql)`, {
          file: m.up.file,
          version: m.version,
        });
      }
      return {
        m,
        row,
        down: m.down,
        step: { version: m.version, description: m.description, file: m.down.file, direction: "down", durationMs: 0 } as MigrationStep,
      };
    });
  };
  try {
    if (opts.dryRun) {
      const dialect = db.dialect;
      for (const p of plan(await loadMigrations(opts.dir, dialect.name), await readHistory(db))) {
        result.steps.push({ ...p.step, statements: prepareScript(dialect, p.down) });
      }
      return result;
    }
    return await withMigrationRun(db, opts.dir, opts.lockTimeoutMs, async (r) => {
      const steps = plan(r.migrations, r.history).map(({ row, down: script, step }) => {
        const statements = prepareScript(r.dialect, script);
        return { step, run: () => runScript({ ...r, script, statements, onSuccess: (q) => deleteHistory(q, row.version) }) };
      });
      return runSteps(result, steps, opts.onProgress);
    });
  } catch (err) {
    return fail(result, err);
  }
}
