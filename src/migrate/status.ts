import { unguarded } from "../check/index.js";
import type { Database } from "../database.js";
import { historyByKey, readHistory } from "./history.js";
import { checkOptions, type MigrationOptions } from "./migrate-options.js";
import type { MigrationError } from "./migration-error.js";
import { loadMigrations } from "./migration-files.js";
import { validateHistory } from "./validate-history.js";
import { compareVersions, versionKey } from "./version.js";

/** A migration's state: applied, pending, failed (needs repair), changed or missing (drift). */
export type MigrationState = "applied" | "pending" | "failed" | "changed" | "missing" | "out_of_order";

/** One line of `status()`. */
export interface MigrationStatus {
  version: string;
  description: string;
  file: string;
  state: MigrationState;
  /** Whether a `U` file can undo it. */
  undoable: boolean;
  appliedAt?: Date;
  durationMs?: number;
}

/** What `status()` reports. */
export interface StatusResult {
  engine: string;
  migrations: MigrationStatus[];
  /** Validation problems, as `migrate()` would report them. */
  problems: MigrationError[];
}

/**
 * Lists every migration, from the files and the history, without taking the
 * lock or changing anything.
 *
 * @example for (const m of (await status(db, { dir: "./migrations" })).migrations) console.log(m.version, m.state);
 */
export async function status(db: Database, options: MigrationOptions = {}): Promise<StatusResult> {
  const opts = checkOptions("other", options);
  const migrations = await loadMigrations(opts.dir, db.dialect.name);
  const history = await unguarded(() => readHistory(db));
  const problems = validateHistory(migrations, history, opts);
  const problemOf = new Map(problems.map((p) => [versionKey(p.version ?? ""), p.reason]));
  const rows = historyByKey(history);
  const out: MigrationStatus[] = migrations.map((m) => {
    const row = rows.get(m.key);
    const problem = problemOf.get(m.key);
    const state: MigrationState = problem === "changed" || problem === "failed" || problem === "out_of_order" ? problem : row ? "applied" : "pending";
    return {
      version: m.version,
      description: m.description,
      file: m.up.file,
      state,
      undoable: m.down !== undefined,
      ...(row ? { appliedAt: row.appliedAt, durationMs: row.durationMs } : {}),
    };
  });
  for (const row of history) {
    if (migrations.some((m) => m.key === versionKey(row.version))) continue;
    const state = row.success ? "missing" : "failed";
    out.push({
      version: row.version,
      description: row.description,
      file: row.script,
      state,
      undoable: false,
      appliedAt: row.appliedAt,
      durationMs: row.durationMs,
    });
  }
  out.sort((a, b) => compareVersions(a.version, b.version));
  return { engine: db.engine, migrations: out, problems };
}

/**
 * Checks the files against the history without running anything.
 *
 * @example const { ok, problems } = await validate(db, { dir: "./migrations" });
 */
export async function validate(db: Database, options: MigrationOptions = {}): Promise<{ ok: boolean; problems: MigrationError[] }> {
  const { problems } = await status(db, options);
  return { ok: problems.length === 0, problems };
}
